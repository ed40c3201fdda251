// Builds the Go environment that points the go command at one gomodproxy instance (`gomodproxy env`).
// Values are validated the way the go command would read them, so what we print always works.
import { parseGosumdb } from '../config/gosumdb.js';
import { formatProxyList, parseProxyList } from '../protocol/proxy-list.js';
import type { ProxyEntry } from '../protocol/proxy-list.js';

export interface EnvOptions {
  /** The gomodproxy URL, or a whole GOPROXY list. */
  readonly url: string;
  /** Append `,direct` so modules the proxy cannot find are fetched from their VCS (default true). */
  readonly direct: boolean;
  readonly private: readonly string[];
  readonly noproxy: readonly string[];
  readonly nosumdb: readonly string[];
  /** GOSUMDB value (`name+hash+key [URL]`, a known name, or `off`). */
  readonly sumdb?: string;
}

export type EnvVars = ReadonlyArray<readonly [string, string]>;

/** Splits repeated and comma-separated glob flags into one clean list (§2.5: empty entries and trailing `/` dropped). */
export function globList(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    for (const raw of v.split(',')) {
      const p = raw.trim().replace(/\/+$/, '');
      if (p === '') continue;
      if (/\s/.test(p)) throw new Error(`pattern ${JSON.stringify(p)} must not contain spaces`);
      if (!out.includes(p)) out.push(p);
    }
  }
  return out;
}

export function goproxyValue(url: string, direct: boolean): string {
  let entries: ProxyEntry[];
  try {
    entries = parseProxyList(url);
  } catch (err) {
    throw new Error(`invalid proxy URL: ${(err as Error).message}`);
  }
  const last = entries[entries.length - 1];
  if (direct && last?.kind === 'url') entries = [...entries, { kind: 'direct', fallBackOnError: false }];
  return formatProxyList(entries);
}

/** The variables to set, in the order they are printed. Only variables with something to say are included. */
export function buildEnvVars(opts: EnvOptions): EnvVars {
  const vars: Array<[string, string]> = [['GOPROXY', goproxyValue(opts.url, opts.direct)]];
  const priv = globList(opts.private);
  if (priv.length > 0) vars.push(['GOPRIVATE', priv.join(',')]);
  const noproxy = globList(opts.noproxy);
  if (noproxy.length > 0) vars.push(['GONOPROXY', noproxy.join(',')]);
  const nosumdb = globList(opts.nosumdb);
  // Setting GONOSUMDB replaces its GOPRIVATE default, so keep the private patterns in it: otherwise
  // their module names would be sent to the public checksum database.
  if (nosumdb.length > 0) vars.push(['GONOSUMDB', globList([...priv, ...nosumdb]).join(',')]);
  if (opts.sumdb !== undefined) {
    const value = opts.sumdb.trim().replace(/\s+/g, ' ');
    parseGosumdb(value);
    vars.push(['GOSUMDB', value]);
  }
  return vars;
}

/** Short notes printed as comments above the settings, so a reader knows what each choice means. */
export function explain(vars: EnvVars): string[] {
  const get = (n: string) => vars.find(([k]) => k === n)?.[1];
  const notes: string[] = [];
  const proxy = get('GOPROXY') ?? '';
  notes.push(
    proxy.endsWith(',direct')
      ? 'GOPROXY: modules the proxy answers 404/410 for are fetched straight from their repositories (",direct").'
      : 'GOPROXY: every module comes through the proxy; nothing is fetched from repositories directly.',
  );
  if (get('GOPRIVATE') !== undefined) notes.push('GOPRIVATE: matching modules skip the checksum database and, unless GONOPROXY says otherwise, the proxy.');
  if (get('GONOPROXY') === 'none') notes.push('GONOPROXY=none: private modules too are fetched through the proxy (it needs credentials for them).');
  if (get('GOSUMDB') === 'off') notes.push('GOSUMDB=off: downloads are not checked against any checksum database (not recommended).');
  return notes;
}
