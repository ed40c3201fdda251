// The warm suite's full tables: req/s and latency for every endpoint, connection count and contender
// (pivoted, one column per contender), with errors and upstream requests during measurement listed below.
import type { Results } from './report.js';
import { int, ms } from './util.js';
import type { WarmRow } from './warm.js';

function pivot(r: Results, cell: (w: WarmRow) => string): string {
  const rows = r.warm?.rows ?? [];
  const names = r.contenders.map((c) => c.name).filter((n) => rows.some((w) => w.contender === n));
  const lines = [`| endpoint | conns | ${names.join(' | ')} |`, `|---|---:|${names.map(() => '---:|').join('')}`];
  const seen = new Set<string>();
  for (const w of rows) {
    const k = `${w.target}|${w.connections}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const cells = names.map((n) => {
      const x = rows.find((y) => y.contender === n && y.target === w.target && y.connections === w.connections);
      return x === undefined ? '' : cell(x);
    });
    lines.push(`| ${w.target} | ${w.connections} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export function warmDetail(r: Results): string {
  const rows = r.warm?.rows ?? [];
  const notes: string[] = [];
  for (const w of rows) {
    if (w.errors > 0) notes.push(`- ${w.contender}, ${w.target} at ${w.connections} conns: ${int(w.errors)} socket errors or non-2xx answers`);
    if (w.upstreamRequests > 0)
      notes.push(`- ${w.contender}, ${w.target} at ${w.connections} conns: ${int(w.upstreamRequests)} upstream requests while measured`);
  }
  return [
    'Requests per second (zips: MB/s in parentheses; wrk counts the bytes of answers still in flight at the end, which matters for 50 MB):',
    '',
    pivot(r, (w) => (w.target.startsWith('zip') ? `${int(w.reqPerSec)} (${int(w.mbPerSec)})` : int(w.reqPerSec))),
    '',
    "Server CPU time in µs per request, for zips per MB sent (user + system over the contender's processes, from /proc; far less disturbed by other load on the machine than req/s):",
    '',
    pivot(r, (w) => (w.target.startsWith('zip') ? `${int(w.cpuUsPerMB)}/MB` : int(w.cpuUsPerReq))),
    '',
    'Latency p50 / p99 in ms:',
    '',
    pivot(r, (w) => `${ms(w.p50ms)} / ${ms(w.p99ms)}`),
    ...(notes.length > 0 ? ['', ...notes] : ['', 'No errors; no contender asked the upstream for anything while a cell was measured.']),
  ].join('\n');
}
