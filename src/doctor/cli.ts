// `gomodproxy doctor`: reads the effective Go module settings, explains them, probes each proxy, and
// reports problems with fixes; exits 1 when any finding is an error, so CI can run it.
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseCommandArgs, reportUsage } from '../cli/args.js';
import type { Command } from '../cli/io.js';
import { checkPath } from '../protocol/module-path.js';
import { parseNetrc } from '../vcs/remote-auth.js';
import type { HostCredential } from '../vcs/remote-auth.js';
import { diagnose, probeAll } from './diagnose.js';
import { renderMarkdown, renderText } from './report.js';
import { loadSettings, settingsFromEnvironment } from './settings.js';

const USAGE = `usage: gomodproxy doctor [flags]

Reads your Go module settings (go env -json, or the environment and the go env file),
explains GOPROXY, GONOPROXY, GOPRIVATE, GONOSUMDB, GOSUMDB, GOINSECURE, GOFLAGS, GOVCS and
GOTOOLCHAIN, probes every proxy in GOPROXY with real requests, and lists problems with fixes.
Exits 1 when a finding is an error.

  --json               print the report as JSON
  --markdown           print the report as Markdown
  --no-probe           do not send requests to the proxies
  --timeout MS         per-request timeout when probing (default 5000)
  --slow MS            report a proxy slower than this (default 2000)
  --probe-module PATH  a public module every proxy should know (default golang.org/x/text)
  --go PATH            the go command to run (default: go on PATH); "none" to not run it
  -h, --help           show this help
`;

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a positive whole number of milliseconds, not ${JSON.stringify(v)}`);
  return n;
}

/** The entries of the .netrc the go command reads ($NETRC, else ~/.netrc), by machine; empty when there is none. */
async function readNetrc(env: Readonly<Record<string, string | undefined>>): Promise<Map<string, HostCredential>> {
  const file = env.NETRC ?? path.join(env.HOME ?? homedir(), '.netrc');
  const text = await readFile(file, 'utf8').catch(() => '');
  return parseNetrc(text);
}

export const run: Command = async (argv, io) => {
  let opts;
  try {
    const { values } = parseCommandArgs({
      args: argv,
      allowPositionals: false,
      options: {
        json: { type: 'boolean', default: false },
        markdown: { type: 'boolean', default: false },
        'no-probe': { type: 'boolean', default: false },
        timeout: { type: 'string', default: '5000' },
        slow: { type: 'string', default: '2000' },
        'probe-module': { type: 'string', default: 'golang.org/x/text' },
        go: { type: 'string', default: 'go' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
    if (values.json && values.markdown) throw new Error('--json and --markdown cannot be used together');
    const module = values['probe-module'];
    const bad = checkPath(module);
    if (bad !== undefined) throw new Error(`--probe-module: ${bad}`);
    opts = { ...values, module, timeoutMs: positiveInt('timeout', values.timeout), slowMs: positiveInt('slow', values.slow) };
  } catch (err) {
    return reportUsage(io, 'doctor', err as Error);
  }
  if (opts.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const settings = opts.go === 'none' ? await settingsFromEnvironment(io.env) : await loadSettings(io.env, opts.go);
  const netrc = await readNetrc(io.env);
  const probes = opts['no-probe']
    ? new Map()
    : await probeAll(settings, { module: opts.module, timeoutMs: opts.timeoutMs, signal: io.signal, env: io.env, netrc });
  const report = diagnose(settings, probes, { slowMs: opts.slowMs, netrcHosts: new Set(netrc.keys()) });
  if (opts.json) io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else io.stdout.write(opts.markdown ? renderMarkdown(report) : renderText(report));
  return report.counts.error > 0 ? 1 : 0;
};
