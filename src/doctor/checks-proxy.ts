// Doctor checks on GOPROXY (§1.4, §1.5): the list's syntax and fallback rules, plain http, and what each
// entry actually answered when probed (reachability, speed, status codes, content types, bodies).
import { isValid } from '../protocol/semver.js';
import { formatProxyList, parseProxyList, redactURL } from '../protocol/proxy-list.js';
import type { ProxyEntry } from '../protocol/proxy-list.js';
import { finding } from './findings.js';
import type { Finding, Fix, Severity } from './findings.js';
import type { Observation, ProbeResult } from './probe.js';
import type { GoSettings } from './settings.js';

export const DEFAULT_GOPROXY = 'https://proxy.golang.org,direct';
const fixDefault = { set: [['GOPROXY', DEFAULT_GOPROXY]] } as const;

export interface ProxyCheckOptions {
  /** An entry slower than this on its first request is reported. */
  readonly slowMs: number;
}

export function checkProxyList(s: GoSettings, probes: ReadonlyMap<string, ProbeResult>, opts: ProxyCheckOptions): Finding[] {
  let entries: ProxyEntry[];
  try {
    entries = parseProxyList(s.values.GOPROXY);
  } catch (err) {
    return [finding('goproxy-invalid', 'error', 'GOPROXY', `GOPROXY cannot be parsed: ${(err as Error).message}. Every download fails.`, fixDefault)];
  }
  const out: Finding[] = [...ignoredEntries(s.values.GOPROXY, entries)];
  const first = entries[0];
  if (first?.kind === 'off') {
    out.push(
      finding(
        'goproxy-off',
        'warning',
        'GOPROXY',
        'GOPROXY=off: nothing is downloaded (only modules matching GONOPROXY/GOPRIVATE are fetched directly).',
        fixDefault,
      ),
    );
    return out;
  }
  if (first?.kind === 'direct') {
    out.push(
      finding(
        'goproxy-direct',
        'info',
        'GOPROXY',
        'GOPROXY=direct: every module is cloned from its repository, which is slower than a proxy and needs git (and hg, svn… for some modules).',
        fixDefault,
      ),
    );
    return out;
  }
  const urls = entries.filter((e) => e.kind === 'url');
  if (entries.length === 1 && urls.length === 1) {
    out.push(
      finding(
        'goproxy-no-fallback',
        'warning',
        'GOPROXY',
        `${redactURL(urls[0]?.url ?? '')} is the only entry: when it is down or lacks a module, the download fails. Ignore this if every module must come through it.`,
        { set: [['GOPROXY', `${s.values.GOPROXY},direct`]] },
      ),
    );
  }
  if (entries.some((e, i) => e.kind === 'url' && !e.fallBackOnError && entries[i + 1]?.kind === 'url')) {
    const piped = entries.map((e, i) => (e.kind === 'url' && entries[i + 1]?.kind === 'url' ? { ...e, fallBackOnError: true } : e));
    out.push(
      finding(
        'goproxy-comma-fallback',
        'info',
        'GOPROXY',
        'Proxies are joined with ",": the next one is tried only when the previous answers 404/410, not when it is down or fails. "|" moves on after any error.',
        { set: [['GOPROXY', formatProxyList(piped)]] },
      ),
    );
  }
  // Every fix drops all entries that did not answer, so that following one fix never leads to another.
  const dead = new Set([...probes.values()].filter((p) => p.known.error !== undefined).map((p) => p.url));
  entries.forEach((e, i) => {
    if (e.kind !== 'url') return;
    const probe = probes.get(e.url);
    out.push(...plainHttp(e.url, entries));
    if (probe !== undefined) out.push(...checkProbe(probe, e, i, entries, dead, opts));
  });
  return out;
}

/** parseProxyList stops at `direct`/`off`, silently, as the go command does; say so. */
function ignoredEntries(raw: string, entries: readonly ProxyEntry[]): Finding[] {
  const items = raw
    .split(/[,|]/)
    .map((x) => x.trim())
    .filter((x) => x !== '');
  if (items.length <= entries.length) return [];
  const keyword = entries[entries.length - 1]?.kind ?? 'direct';
  const urls = parseProxyList(items.filter((x) => x !== 'direct' && x !== 'off').join(',') || DEFAULT_GOPROXY).filter((e) => e.kind === 'url');
  const fixed = formatProxyList([...urls, { kind: keyword === 'off' ? 'off' : 'direct', fallBackOnError: false }]);
  return [
    finding('goproxy-ignored-entries', 'warning', 'GOPROXY', `Entries after "${keyword}" are never used: ${items.slice(entries.length).join(', ')}.`, {
      set: [['GOPROXY', fixed]],
    }),
  ];
}

function plainHttp(url: string, entries: readonly ProxyEntry[]): Finding[] {
  if (!url.startsWith('http:')) return [];
  const host = new URL(url).hostname;
  if (host === 'localhost' || host === '[::1]' || /^127\./.test(host)) return [];
  const fixed = formatProxyList(entries.map((e) => (e.kind === 'url' && e.url === url ? { ...e, url: `https:${url.slice(5)}` } : e)));
  return [
    finding(
      'proxy-plain-http',
      'warning',
      'GOPROXY',
      `${redactURL(url)} uses plain http: anyone on the path can see which modules you use, and module lists and .info are not authenticated.`,
      { set: [['GOPROXY', fixed]] },
    ),
  ];
}

/** An answer the go command does not fall through on is fatal unless a `|` follows the entry. */
function stopSeverity(e: ProxyEntry, i: number, entries: readonly ProxyEntry[]): Severity {
  return e.fallBackOnError && entries[i + 1] !== undefined ? 'warning' : 'error';
}

/** The list without `urls`; undefined when no proxy would be left (then there is nothing sensible to suggest). */
function withoutEntries(urls: ReadonlySet<string>, entries: readonly ProxyEntry[]): Fix | undefined {
  const rest = entries.filter((e) => e.kind !== 'url' || !urls.has(e.url));
  return rest.some((e) => e.kind === 'url') ? { set: [['GOPROXY', formatProxyList(rest)]] } : undefined;
}

function checkProbe(p: ProbeResult, e: ProxyEntry, i: number, entries: readonly ProxyEntry[], dead: ReadonlySet<string>, opts: ProxyCheckOptions): Finding[] {
  const name = redactURL(p.url);
  const drop = withoutEntries(new Set([...dead, p.url]), entries);
  const k = p.known;
  if (k.error !== undefined) {
    const hint = drop === undefined ? ' No proxy in GOPROXY answered: check the network, and HTTPS_PROXY if you need one to get out.' : '';
    return [finding('proxy-unreachable', stopSeverity(e, i, entries), 'GOPROXY', `${name} does not answer: ${k.error}.${hint}`, drop)];
  }
  const out: Finding[] = [];
  if (k.ms > opts.slowMs)
    out.push(finding('proxy-slow', 'warning', 'GOPROXY', `${name} took ${Math.round(k.ms)} ms to answer ${k.path} (more than ${opts.slowMs} ms).`));
  if (k.status === 404 || k.status === 410) {
    out.push(
      finding(
        'proxy-lacks-module',
        'info',
        'GOPROXY',
        `${name} answers ${k.status} for ${k.path}: fine for a private-only proxy, otherwise it cannot reach public modules.`,
      ),
    );
  } else if (k.status !== 200) {
    out.push(
      finding(
        'proxy-bad-status',
        stopSeverity(e, i, entries),
        'GOPROXY',
        `${name} answers ${k.status} for ${k.path}; the go command treats that as a failure.`,
        drop,
      ),
    );
  } else {
    out.push(...checkBody(name, k, 'text/plain', (b) => b.split('\n').every((l) => l.trim() === '' || isValid(l.trim().split(/\s+/)[0] ?? ''))));
  }
  if (p.info !== undefined) {
    // §1.3: for a canonical version, the answer's Version must be exactly the one asked for.
    out.push(...checkBody(name, p.info, 'application/json', (b) => jsonVersion(b) === p.version));
  }
  const m = p.missing;
  if (m !== undefined && m.error === undefined && m.status !== 404 && m.status !== 410) {
    const breaks = m.status !== 200 && entries[i + 1] !== undefined && !e.fallBackOnError;
    // Until the proxy is fixed, a `|` after it makes the go command move on after its wrong answer too.
    const piped = formatProxyList(entries.map((x, j) => (j === i && x.kind === 'url' ? { ...x, fallBackOnError: true } : x)));
    out.push(
      finding(
        'proxy-missing-status',
        breaks ? 'error' : 'warning',
        'GOPROXY',
        `${name} answers ${m.status} for a module that does not exist (${m.path}); it must answer 404 or 410, the only codes after which the go command tries the next entry.`,
        breaks ? { set: [['GOPROXY', piped]] } : undefined,
      ),
    );
  }
  return out;
}

function jsonVersion(body: string): string | undefined {
  try {
    const v = (JSON.parse(body) as { Version?: unknown }).Version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

function checkBody(name: string, o: Observation, contentType: string, bodyOk: (b: string) => boolean): Finding[] {
  const out: Finding[] = [];
  if (o.status !== undefined && o.status !== 200) {
    return [finding('proxy-bad-status', 'warning', 'GOPROXY', `${name} answers ${o.status} for ${o.path}, which its own list names.`)];
  }
  // file:// answers have no content type; the go command ignores it, but caches and browsers do not.
  if (o.contentType !== undefined && !o.contentType.toLowerCase().startsWith(contentType)) {
    out.push(finding('proxy-content-type', 'warning', 'GOPROXY', `${name} sends ${o.path} as "${o.contentType}" (expected ${contentType}).`));
  } else if (o.contentType === undefined && !name.startsWith('file:')) {
    out.push(finding('proxy-content-type', 'warning', 'GOPROXY', `${name} sends ${o.path} without a Content-Type (expected ${contentType}).`));
  }
  if (!bodyOk(o.body ?? ''))
    out.push(finding('proxy-bad-body', 'error', 'GOPROXY', `${name} sent a malformed answer for ${o.path}: ${JSON.stringify((o.body ?? '').slice(0, 80))}.`));
  return out;
}
