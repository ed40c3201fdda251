// `node --import tsx bench/compare.ts BEFORE.json AFTER.json [NAME]`: one markdown table of two benchmark
// runs: a gomodproxy variant's numbers (default: each run's primary) and its ratios to nginx and goproxy
// measured in the same run, before and after a change; then cold, herd and memory.
import { readFile } from 'node:fs/promises';
import { pairRatio } from './cold.js';
import type { ColdResult } from './cold.js';
import type { Results } from './report.js';
import { fmtMB, int, ratio } from './util.js';
import type { WarmRow } from './warm.js';

const [beforeFile, afterFile, name] = process.argv.slice(2);
if (beforeFile === undefined || afterFile === undefined) throw new Error('usage: compare.ts BEFORE.json AFTER.json [CONTENDER]');
const load = async (f: string) => JSON.parse(await readFile(f, 'utf8')) as Results;
const before = await load(beforeFile);
const after = await load(afterFile);
const who = (r: Results) => name ?? r.primary ?? 'gomodproxy';

const find = (r: Results, t: string, c: number, contender: string | undefined): WarmRow | undefined =>
  r.warm?.rows.find((w) => w.target === t && w.connections === c && w.contender === contender);
const vs = (r: Results, t: string, c: number, other: string) => (find(r, t, c, who(r))?.reqPerSec ?? NaN) / (find(r, t, c, other)?.reqPerSec ?? NaN);

const lines = [
  `Before: ${who(before)} in ${beforeFile}; after: ${who(after)} in ${afterFile}.`,
  '',
  '| endpoint | conns | before req/s | after req/s | before vs nginx | after vs nginx | before vs goproxy | after vs goproxy |',
  '|---|---:|---:|---:|---:|---:|---:|---:|',
];
for (const row of after.warm?.rows ?? []) {
  if (row.contender !== who(after)) continue;
  const [t, c] = [row.target, row.connections];
  const cells = [int(find(before, t, c, who(before))?.reqPerSec), int(row.reqPerSec)];
  for (const other of ['nginx', 'goproxy']) cells.push(ratio(vs(before, t, c, other)), ratio(vs(after, t, c, other)));
  lines.push(`| ${t} | ${c} | ${cells.join(' | ')} |`);
}
const cold = (c: ColdResult | undefined) => ratio(pairRatio(c, 'gomodproxy', 'direct'));
const mib = (n: number | undefined) => (n === undefined ? '–' : fmtMB(n));
lines.push('', '| scenario | before | after |', '|---|---:|---:|');
lines.push(`| cold \`go mod download\`, time vs direct (median of rounds) | ${cold(before.cold)} | ${cold(after.cold)} |`);
lines.push(
  `| herd: upstream fetches, RSS growth | ${before.herd?.upstreamFetches ?? '–'}, +${mib(before.herd?.rssGrowth)} | ${after.herd?.upstreamFetches ?? '–'}, +${mib(after.herd?.rssGrowth)} |`,
);
for (const k of ['cold', 'warm'] as const) {
  const m = (r: Results) => `+${mib(r.memory?.[k].rssGrowth)}, ${r.memory?.[k].seconds.toFixed(1) ?? '–'} s`;
  lines.push(`| big zip ${k}: RSS growth, seconds | ${m(before)} | ${m(after)} |`);
}
process.stdout.write(`${lines.join('\n')}\n`);
