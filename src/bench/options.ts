// Flags of `gomodproxy bench`, validated into one options object, and the endpoints and workload they name.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseCommandArgs } from '../cli/args.js';
import { parseGosumdb } from '../protocol/gosumdb.js';
import type { SumdbSpec } from '../protocol/gosumdb.js';
import { parseDuration } from '../config/units.js';
import { parseProxyList } from '../protocol/proxy-list.js';
import { BUILTIN_MODULES, loadFrom, parseModuleLines } from '../protocol/module-lists.js';
import type { ModuleVersion } from '../protocol/module-lists.js';

export const USAGE = `usage: gomodproxy bench [URL…] [flags]

Compares GOPROXY endpoints (https://, http://, file://) on the same workload: latency
(connect, time to first byte, total; p50/p95/p99), zip throughput, failures by kind,
freshness of @v/list, and whether each serves the same bytes (h1: against the checksum
database). Ends with a recommended GOPROXY. Without URLs, the proxies in $GOPROXY are used.

  --modules FILE     module@version lines to fetch (default: popular public modules)
  --from FILE        take the modules from a go.mod, go.sum or go.work
  -c, --concurrency N  parallel requests per endpoint (default 4)
  -n, --requests N   requests per endpoint (default: one pass, 4 per module version)
  --duration D       stop after this long, e.g. 30s, 2m (default 2m)
  --timeout D        per-request timeout (default 30s)
  --sumdb VALUE      checksum database as in GOSUMDB ("name+key URL", a known name, or
                     off); default $GOSUMDB or sum.golang.org
  --json | --markdown  output format (default: a table for the terminal)
  --chart FILE       write latency distributions as SVG, or HTML if FILE ends in .html
  --no-progress      no progress bar on stderr
  -h, --help         show this help

Exit status: 0, or 1 when an endpoint served altered bytes (or endpoints disagree with nothing
to settle it) or none answered, 2 on a usage mistake, 130 on Ctrl-C.
`;

export interface BenchOptions {
  readonly endpoints: readonly string[];
  readonly modulesFile?: string;
  readonly fromFile?: string;
  readonly concurrency: number;
  readonly requests?: number;
  readonly durationMs: number;
  readonly timeoutMs: number;
  readonly sumdb?: SumdbSpec & { readonly explicitURL: boolean };
  readonly format: 'text' | 'json' | 'markdown';
  readonly chart?: string;
  readonly progress: boolean;
}

function count(name: string, v: string | undefined, dflt?: number): number | undefined {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1, not ${JSON.stringify(v)}`);
  return n;
}

function duration(name: string, v: string): number {
  const ms = parseDuration(v);
  if (ms === undefined || ms <= 0) throw new Error(`--${name} must be a duration such as 500ms, 30s or 2m, not ${JSON.stringify(v)}`);
  return ms;
}

/** Throws Error (UsageError for unknown flags and missing values) with a message for the user on any bad flag. */
export function parseBenchArgs(argv: string[], env: Readonly<Record<string, string | undefined>>, cwd: string): BenchOptions {
  const { values: v, positionals } = parseCommandArgs({
    args: argv,
    allowPositionals: true,
    options: {
      modules: { type: 'string' },
      from: { type: 'string' },
      concurrency: { type: 'string', short: 'c' },
      requests: { type: 'string', short: 'n' },
      duration: { type: 'string', default: '2m' },
      timeout: { type: 'string', default: '30s' },
      sumdb: { type: 'string' },
      json: { type: 'boolean', default: false },
      markdown: { type: 'boolean', default: false },
      chart: { type: 'string' },
      'no-progress': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (v.modules !== undefined && v.from !== undefined) throw new Error('use either --modules or --from, not both');
  if (v.json && v.markdown) throw new Error('use either --json or --markdown, not both');
  if (v.chart !== undefined && !/\.(svg|html?)$/i.test(v.chart)) throw new Error('--chart FILE must end in .svg or .html');
  const sumdbValue = v.sumdb ?? (env.GOSUMDB || 'sum.golang.org');
  const db = parseGosumdb(sumdbValue);
  const fields = sumdbValue.trim().split(/\s+/);
  return {
    endpoints: endpointsFrom(positionals, env),
    modulesFile: v.modules && path.resolve(cwd, v.modules),
    fromFile: v.from && path.resolve(cwd, v.from),
    concurrency: count('concurrency', v.concurrency, 4) ?? 4,
    requests: count('requests', v.requests),
    durationMs: duration('duration', v.duration),
    timeoutMs: duration('timeout', v.timeout),
    sumdb: db === 'off' ? undefined : { ...db, explicitURL: fields.length === 2 || fields[0] === 'sum.golang.google.cn' },
    format: v.json ? 'json' : v.markdown ? 'markdown' : 'text',
    chart: v.chart && path.resolve(cwd, v.chart),
    progress: !v['no-progress'],
  };
}

/** Each argument may be a URL or a whole GOPROXY list; `direct` and `off` entries are not endpoints. */
function endpointsFrom(args: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const lists = args.length > 0 ? args : [env.GOPROXY || 'https://proxy.golang.org'];
  const urls = lists.flatMap((a) => parseProxyList(a).flatMap((e) => (e.kind === 'url' ? [e.url] : [])));
  if (urls.length === 0) throw new Error('no endpoint to benchmark: give one or more proxy URLs');
  return [...new Set(urls)];
}

export async function loadWorkload(o: BenchOptions): Promise<ModuleVersion[]> {
  if (o.fromFile !== undefined) return loadFrom(o.fromFile);
  if (o.modulesFile !== undefined) return parseModuleLines(await readFile(o.modulesFile, 'utf8'), o.modulesFile);
  return parseModuleLines(BUILTIN_MODULES.join('\n'), 'built-in list');
}
