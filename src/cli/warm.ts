// `gomodproxy warm`: fills a cache ahead of need, through a running proxy (--url) or straight into a data
// directory through the server's own fill path; progress on a terminal, a summary with failures by module.
import { openLocalAccess } from '../app/local-access.js';
import { parseModuleArgs, WorkloadError } from '../protocol/module-lists.js';
import type { ModuleVersion } from '../content/content-keys.js';
import { ModuleFileError } from '../content/module-files.js';
import { Progress } from '../content/progress.js';
import { HttpAccess } from '../content/proxy-access.js';
import type { ProxyAccess } from '../content/proxy-access.js';
import { resolveTargets, runWarm } from '../content/warm.js';
import type { Config } from '../config/schema.js';
import { reportUsage, UsageError } from './args.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { CliIO, Command } from './io.js';
import { isLoopback, netrcPassword } from './publish.js';
import { trustedCAs } from '../upstream/tls-trust.js';

export const WARM_HELP = `Usage: gomodproxy warm [MODULE@VERSION…] [--from FILE]… [--url URL] [-c N] [flags]

Fills a gomodproxy cache ahead of need: the exact versions of a go.sum or of a file of module@version
lines, or the whole requirement graph of a go.mod or go.work (the .mod of every version reached, the
zips of the versions a build selects). Every version goes through the same checks as a request.

  --from FILE            go.sum, go.mod, go.work, or a file of module@version lines (repeatable)
  --url URL              fill through the gomodproxy running there (a token for its private modules
                         from $GOMODPROXY_TOKEN or .netrc; SSL_CERT_FILE or _DIR: a private CA)
                         (default: straight into the data directory --data; stop the server that uses
                         it first, unless both share a coordinator)
  -c, --concurrency N    versions filled at once (default 4)

A progress bar is drawn on a terminal, one line per version otherwise. Exit status 1 when any version
failed (the summary lists them), 130 on Ctrl-C.

Flags (the same settings as serve):
${configFlagsHelp()}
`;

export interface ContentArgs {
  readonly named: ModuleVersion[];
  readonly files: string[];
  readonly url?: string;
  readonly concurrency: number;
}

/** The arguments warm and bundle export share; throws UsageError. */
export function contentArgs(values: Record<string, unknown>, positionals: readonly string[]): ContentArgs {
  let named: ModuleVersion[];
  try {
    named = parseModuleArgs(positionals);
  } catch (err) {
    if (err instanceof WorkloadError) throw new UsageError(err.message);
    throw err;
  }
  const files = (values.from as string[] | undefined) ?? [];
  if (named.length === 0 && files.length === 0) throw new UsageError('name module versions (MODULE@VERSION or --from FILE)');
  const url = (values.url as string | undefined)?.trim();
  if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) throw new UsageError("option '--url' needs the http:// or https:// address of a gomodproxy");
  const c = Number(values.concurrency ?? 4);
  if (!Number.isInteger(c) || c < 1 || c > 256) throw new UsageError("option '--concurrency' needs a whole number from 1 to 256");
  return { named, files, url, concurrency: c };
}

export const CONTENT_FLAGS = {
  from: { type: 'string', multiple: true },
  url: { type: 'string' },
  concurrency: { type: 'string', short: 'c' },
} as const;

/**
 * The proxy to work through: over HTTP, or the data directory of the configuration. Over HTTP the token for
 * private modules comes from $GOMODPROXY_TOKEN or .netrc, as for publish, and is sent as the go command sends
 * credentials: over https, or to this machine; SSL_CERT_FILE or SSL_CERT_DIR names a private CA, as for the go command.
 */
export async function accessFor(config: Readonly<Config>, url: string | undefined, io: CliIO): Promise<ProxyAccess> {
  if (url === undefined) return openLocalAccess(config);
  const { hostname, protocol } = new URL(url);
  const token = io.env.GOMODPROXY_TOKEN || (await netrcPassword(io, hostname));
  const send = token !== undefined && token !== '' && (protocol === 'https:' || isLoopback(hostname));
  return new HttpAccess(url, { ...(send ? { token } : {}), ca: trustedCAs(io.env) });
}

export const warm: Command = withConfig(
  'warm',
  WARM_HELP,
  async (config, io, values, positionals) => {
    let args: ContentArgs;
    try {
      args = contentArgs(values, positionals);
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(io, 'warm', err);
      throw err;
    }
    const access = await accessFor(config, args.url, io);
    try {
      const resolved = await resolveTargets(access, args.named, args.files, { concurrency: args.concurrency, signal: io.signal });
      const progress = new Progress(io.stdout, resolved.targets.length + resolved.failed.length, 'warmed');
      for (const f of resolved.failed) progress.item(f);
      await runWarm(access, resolved.targets, progress, { concurrency: args.concurrency, signal: io.signal });
      const interrupted = io.signal?.aborted === true;
      progress.finish(interrupted);
      return interrupted ? 130 : progress.failed.length > 0 ? 1 : 0;
    } catch (err) {
      if (!(err instanceof ModuleFileError)) throw err;
      io.stderr.write(`gomodproxy warm: ${err.message}\n`);
      return 1;
    } finally {
      await access.close();
    }
  },
  CONTENT_FLAGS,
  true,
);
