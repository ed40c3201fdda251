// The GOPROXY value bench recommends from a ranked analysis, with the fallback rules explained (§1.5):
// `|` between mirrors fails over on any error, `,` only on 404/410, and `direct` last or not.
import { formatProxyList, redactURL } from '../protocol/proxy-list.js';
import type { ProxyEntry } from '../protocol/proxy-list.js';
import type { EndpointStats } from './analyze.js';

export interface Recommendation {
  readonly goproxy: string;
  /** Why this value, one sentence a line. */
  readonly reasons: readonly string[];
}

const MAX_MIRRORS = 3;

export function recommend(ranked: readonly EndpointStats[]): Recommendation {
  const usable = ranked.filter((e) => e.status === 'ok' || e.status === 'stale' || e.status === 'degraded');
  const reasons: string[] = [];
  for (const e of ranked) {
    if (e.status === 'altered')
      reasons.push(
        `Do not use ${redactURL(e.url)}: it served bytes that differ from the ${e.mismatches[0]?.source ?? 'other endpoints'} (${e.mismatches.length} file(s)).`,
      );
    else if (e.status === 'conflict') reasons.push(conflictReason(e));
    else if (e.status === 'failing' || e.status === 'down') reasons.push(`Left out ${redactURL(e.url)}: ${e.failed} of ${e.requests} requests failed.`);
  }
  if (usable.length === 0) {
    reasons.push('No endpoint was healthy, so the only safe advice is to fetch directly from the repositories (or re-run the bench later).');
    return { goproxy: 'direct', reasons };
  }
  // Fresh mirrors first: a `|` does not help against a stale list, which is a 200 answer.
  const chosen = [...usable.filter((e) => e.status !== 'stale'), ...usable.filter((e) => e.status === 'stale')].slice(0, MAX_MIRRORS);
  const entries: ProxyEntry[] = chosen.map((e, i) => ({ kind: 'url', url: e.url, fallBackOnError: i < chosen.length - 1 }));
  entries.push({ kind: 'direct', fallBackOnError: false });
  const [first, second] = chosen;
  reasons.push(`${redactURL(first?.url ?? '')} comes first: the fastest healthy endpoint (median ${Math.round(first?.total?.p50 ?? 0)} ms per request).`);
  if (second !== undefined) {
    reasons.push(
      `"|" between mirrors: when one times out, resets or answers 5xx, go tries the next. With "," it would try the next only after a 404/410 and otherwise fail.`,
    );
  } else {
    reasons.push('Only one endpoint is healthy, so there is no second mirror to fail over to.');
  }
  reasons.push(
    '",direct" last: modules no mirror has (404/410, e.g. brand-new or unlisted ones) are fetched from their repositories. Leave it out if policy forbids direct access or git is not installed; put private modules in GOPRIVATE either way.',
  );
  for (const e of chosen) {
    if (e.status === 'stale')
      reasons.push(`${redactURL(e.url)} lags behind (${e.missingCount} version(s) others list), so it is placed after fresher mirrors.`);
    if (e.status === 'degraded') reasons.push(`${redactURL(e.url)} failed ${e.failed} of ${e.requests} requests; "|" covers those failures.`);
  }
  return { goproxy: formatProxyList(entries), reasons };
}

/** Why neither side of a disagreement is recommended, and how to settle it. */
function conflictReason(e: EndpointStats): string {
  const d = e.disputes[0];
  const others = [...new Set(e.disputes.flatMap((x) => x.others))].map(redactURL).join(', ');
  const what =
    d === undefined
      ? ''
      : ` for ${d.module}@${d.version} ${d.file === 'mod' ? '.mod' : '.zip'}${e.disputes.length > 1 ? ` and ${e.disputes.length - 1} more file(s)` : ''}`;
  return (
    `Left out ${redactURL(e.url)}: it and ${others} disagree${what}, and neither a checksum database nor a go.sum nor a majority says which is right, ` +
    'so neither is recommended (run again with --sumdb or --from go.sum to decide).'
  );
}
