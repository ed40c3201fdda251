// `gomodproxy sumdb key`: prints the own checksum database's verifier key and the exact GOSUMDB value for
// the go command. It reads the key the server uses (same settings loader as `serve`) and never creates one.
import { Agent, request } from 'undici';
import { parseListen } from '../config/schema.js';
import type { Config } from '../config/schema.js';
import { newVerifier } from '../sumdb/note-keys.js';
import { open, verifierList } from '../sumdb/note.js';
import type { SignerKey } from '../app/own-key.js';
import { keyFilePath, loadKey } from '../app/own-key.js';
import { reportUsage, UsageError } from './args.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { CliIO, Command } from './io.js';
import { trustedCAs } from '../upstream/tls-trust.js';

export const SUMDB_KEY_HELP = `Usage: gomodproxy sumdb key [--url URL] [flags]

Prints the verifier key of gomodproxy's own checksum database and the GOSUMDB value to give the go
command. Give it the same settings as the server (--data, --config, GOMODPROXY_* variables): it reads
the signer key the server uses and fails if there is none (the server creates it on its first start).

  --url URL   the address Go users reach this gomodproxy at (default: from --listen); when given, the
              server there must sign its checksum database with the key that is printed (SSL_CERT_FILE
              or SSL_CERT_DIR names a private CA, as for the go command)

Flags (the same settings as serve):
${configFlagsHelp()}
`;

export const sumdbKey: Command = withConfig(
  'sumdb key',
  SUMDB_KEY_HELP,
  async (config, io, values) => {
    const given = (values.url as string | undefined)?.trim();
    if (given !== undefined && !/^https?:\/\/[^/\s]+/.test(given)) {
      return reportUsage(io, 'sumdb key', new UsageError(`option '--url' needs a value: the http:// or https:// address Go users reach this gomodproxy at`));
    }
    const fail = (message: string) => (io.stderr.write(`gomodproxy sumdb key: ${message}\n`), 1);
    if (!config.ownSumdb.enabled) return fail('the own checksum database is off (--own-sumdb off), so there is no key to print');
    let key: SignerKey | undefined;
    try {
      key = await loadKey(config);
    } catch (err) {
      return fail((err as Error).message);
    }
    if (key === undefined) {
      return fail(
        `no signer key at ${keyFilePath(config)}: give the settings the server runs with (--data, --config, --own-sumdb-key-file), or start it once with 'gomodproxy serve' to create the key`,
      );
    }
    const url = (given ?? defaultURL(config)).replace(/\/+$/, '');
    if (given !== undefined) {
      const problem = await checkServer(url, config.ownSumdb.name, key, io);
      if (problem !== undefined) return fail(problem);
    }
    io.stdout.write(
      `${key.verifierKey}\n\n` +
        `# give the go command (with GOPROXY at this gomodproxy itself, not its /cached-only/ path nor a mirror following it, the key alone also works):\n` +
        `export GOSUMDB='${key.verifierKey} ${url}/sumdb/${config.ownSumdb.name}'\n`,
    );
    return 0;
  },
  { url: { type: 'string' } },
);

function defaultURL(config: Readonly<Config>): string {
  const listen = parseListen(config.listen);
  const any = listen === undefined || listen.host === '0.0.0.0' || listen.host === '::';
  // An IPv6 address goes in brackets, or the URL (and the GOSUMDB line) cannot be parsed.
  const host = any ? 'localhost' : listen.host.includes(':') ? `[${listen.host}]` : listen.host;
  return `${config.tls.cert === '' ? 'http' : 'https'}://${host}:${listen?.port ?? 3000}`;
}

/**
 * The checksum database protocol does not publish a verifier key (and a signature does not reveal one), so
 * the running server is asked for its signed tree, which must verify with our key. A server that cannot be
 * reached is only warned about: --url may be an address only Go users can reach.
 */
async function checkServer(url: string, name: string, key: SignerKey, io: CliIO): Promise<string | undefined> {
  const latest = `${url}/sumdb/${name}/latest`;
  const ca = trustedCAs(io.env);
  const dispatcher = new Agent(ca === undefined ? {} : { connect: { ca } });
  let status: number;
  let body: Buffer;
  try {
    const res = await request(latest, { dispatcher, signal: AbortSignal.timeout(10_000) });
    status = res.statusCode;
    body = Buffer.from(await res.body.arrayBuffer());
  } catch (err) {
    io.stderr.write(`gomodproxy sumdb key: warning: could not reach ${latest} to check the key (${(err as Error).message})\n`);
    return undefined;
  } finally {
    await dispatcher.close();
  }
  if (status === 404) return `${latest} answered 404: the server at ${url} does not serve the checksum database ${name}`;
  if (status !== 200) {
    // Its own reason (a database distrusted after a security error answers 502 and says so).
    const why = body.toString('utf8').split('\n')[0]?.slice(0, 300) ?? '';
    return `${latest} answered ${status}${why === '' ? '' : `: ${why}`}`;
  }
  try {
    open(body, verifierList(newVerifier(key.verifierKey)));
    return undefined;
  } catch (err) {
    return `the server at ${url} does not sign with the key from ${key.source} (${(err as Error).message}); give this command the settings that server runs with`;
  }
}
