// The `gomodproxy` command: dispatches to sub-commands; each answers --help.
import { isGmpError } from '../errors.js';
import { reportUsage, UsageError } from './args.js';
import { configCheck } from './config-check.js';
import { processIO } from './io.js';
import type { CliIO, Command } from './io.js';
import { serve } from './serve.js';

const USAGE = `Usage: gomodproxy <command> [flags]

Commands:
  serve          run the Go module proxy (GOPROXY server)
  config check   validate the configuration and print the effective settings
  bench          compare GOPROXY endpoints: latency, throughput, freshness, correctness
  doctor         check this machine's Go settings (go env) and suggest fixes
  env            print settings that point Go at a gomodproxy instance
  sumdb key      print the own checksum database's key and GOSUMDB value
  sumdb trust    trust a checksum database again after a security error
  storage adopt  make the coordinator take a new or wiped storage as its own (its logs start over)
  warm           fill the cache with the module versions of a go.sum, go.mod or go.work
  bundle export  write an offline bundle: modules plus the checksum proofs that verify them
  bundle import  verify an offline bundle and add it to the cache
  pin, unpin     keep module versions from being evicted (--cache-max-size, --cache-min-free)
  sync           store every new version of parents' index feeds (--follow URL), once or as a daemon
  token          create, list and revoke access tokens
  publish        publish a module version from a directory to a gomodproxy

Run 'gomodproxy <command> --help' for the flags of a command ('npx gomodproxy …' from an npm install),
'gomodproxy --version' for the version.
`;

const lazy =
  (load: () => Promise<{ run: Command }>): Command =>
  async (argv, io) =>
    (await load()).run(argv, io);

const COMMANDS: Record<string, Command> = {
  serve,
  bench: lazy(() => import('../bench/cli.js')),
  doctor: lazy(() => import('../doctor/cli.js')),
  env: lazy(() => import('./env.js')),
  warm: lazy(async () => ({ run: (await import('./warm.js')).warm })),
  bundle: lazy(async () => ({ run: (await import('./bundle.js')).bundle })),
  pin: lazy(async () => ({ run: (await import('./pin.js')).pin })),
  unpin: lazy(async () => ({ run: (await import('./pin.js')).unpin })),
  sync: lazy(async () => ({ run: (await import('./sync.js')).sync })),
  token: async (argv, io) => (await import('./token.js')).token(argv, io),
  publish: async (argv, io) => (await import('./publish.js')).publish(argv, io),
  storage: async (argv, io) =>
    argv[0] === 'adopt' ? (await import('./storage-adopt.js')).storageAdopt(argv.slice(1), io) : noSubCommand(io, 'storage', argv[0], ['adopt']),
};

export async function main(argv: string[], io: CliIO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(USAGE);
    return cmd === undefined ? 2 : 0;
  }
  if (cmd === '--version') {
    io.stdout.write('gomodproxy 0.1.0\n');
    return 0;
  }
  if (cmd === 'config') {
    if (rest[0] === 'check') return configCheck(rest.slice(1), io);
    return noSubCommand(io, 'config', rest[0], ['check']);
  }
  if (cmd === 'sumdb') {
    if (rest[0] === 'key') return (await import('./sumdb-key.js')).sumdbKey(rest.slice(1), io);
    if (rest[0] === 'trust') return (await import('./sumdb-trust.js')).sumdbTrust(rest.slice(1), io);
    return noSubCommand(io, 'sumdb', rest[0], ['key', 'trust']);
  }
  const command = COMMANDS[cmd];
  if (command === undefined) {
    io.stderr.write(`gomodproxy: unknown command ${JSON.stringify(cmd)}; run 'gomodproxy --help' for the list\n`);
    return 2;
  }
  try {
    return await command(rest, io);
  } catch (err) {
    // Commands report their own usage mistakes; this is the backstop that keeps stack traces away.
    if (err instanceof UsageError) return reportUsage(io, cmd, err);
    // A known condition (a setting refused, a backend that does not answer, a data directory in use): one
    // line and exit 1. Anything else is a defect, thrown with its stack.
    if (isGmpError(err)) {
      io.stderr.write(`gomodproxy ${cmd}: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
}

/**
 * `gomodproxy config` or `sumdb` without a known sub-command: --help lists them (exit 0); nothing, or an
 * unknown one, is a usage mistake (one line, exit 2) that says which sub-commands there are.
 */
function noSubCommand(io: CliIO, cmd: string, given: string | undefined, subs: readonly string[]): number {
  const helps = subs.map((sub) => `'gomodproxy ${cmd} ${sub} --help'`).join(' or ');
  if (given === '--help' || given === '-h') {
    io.stdout.write(`Usage: ${subs.map((sub) => `gomodproxy ${cmd} ${sub} [flags]`).join('\n       ')}\n\nRun ${helps} for the flags.\n`);
    return 0;
  }
  const what = given === undefined ? `a sub-command is needed: ${subs.join(' or ')}` : `unknown sub-command ${JSON.stringify(given)}`;
  io.stderr.write(`gomodproxy ${cmd}: ${what}; try ${helps}\n`);
  return 2;
}

export async function runMain(): Promise<void> {
  const ac = new AbortController();
  const io = processIO(ac.signal);
  if (process.argv[2] !== 'serve') {
    // First Ctrl-C asks the command to stop and report what it has; a second one exits at once.
    process.on('SIGINT', () => {
      if (ac.signal.aborted) process.exit(130);
      ac.abort();
    });
  }
  const code = await main(process.argv.slice(2), io);
  process.exitCode = code;
  // A server that has shut down (or given up waiting at --shutdown-timeout) ends here, even if a client
  // library still holds a socket or a timer: a replica that never exits stalls every restart and deploy.
  if (process.argv[2] === 'serve') process.exit(code);
}
