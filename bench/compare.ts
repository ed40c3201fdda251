// `node --import tsx bench/compare.ts BEFORE.json AFTER.json`: one markdown table of two benchmark runs
// (gomodproxy's numbers and its ratio to nginx or the direct upstream, before and after a change).
import { readFile } from 'node:fs/promises';
import type { Results } from './report.js';
import { median } from './util.js';
import type { WarmRow } from './warm.js';

const [beforeFile, afterFile] = process.argv.slice(2);
if (beforeFile === undefined || afterFile === undefined) throw new Error('usage: compare.ts BEFORE.json AFTER.json');
const load = async (f: string) => JSON.parse(await readFile(f, 'utf8')) as Results;
const before = await load(beforeFile);
const after = await load(afterFile);

const find = (r: Results, t: string, c: number, who: string) => r.warm?.find((w: WarmRow) => w.target === t && w.connections === c && w.contender === who);
const ratioOf = (r: Results, t: string, c: number) => {
  const g = find(r, t, c, 'gomodproxy');
  const n = find(r, t, c, 'nginx');
  if (g === undefined || n === undefined) return NaN;
  return t.startsWith('zip') ? g.mbPerSec / n.mbPerSec : g.reqPerSec / n.reqPerSec;
};
const fmt = (n: number | undefined, d = 0) =>
  n === undefined || !Number.isFinite(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const lines = ['| endpoint | conns | before req/s | after req/s | before vs nginx | after vs nginx |', '|---|---:|---:|---:|---:|---:|'];
for (const row of after.warm ?? []) {
  if (row.contender !== 'gomodproxy') continue;
  const b = find(before, row.target, row.connections, 'gomodproxy');
  lines.push(
    `| ${row.target} | ${row.connections} | ${fmt(b?.reqPerSec)} | ${fmt(row.reqPerSec)} | ${fmt(ratioOf(before, row.target, row.connections), 2)}× | ${fmt(ratioOf(after, row.target, row.connections), 2)}× |`,
  );
}
const mib = (n: number | undefined) => (n === undefined ? '–' : `${(n / 2 ** 20).toFixed(0)} MiB`);
lines.push('', '| scenario | before | after |', '|---|---:|---:|');
// Recomputed from the raw runs, so that results written before the ratio was per pair compare alike.
const coldRatio = (r: Results) => (r.cold === undefined ? undefined : median(r.cold.runs.map((p) => p.proxy / p.direct)));
lines.push(`| cold \`go mod download\`, time vs direct (median of pairs) | ${fmt(coldRatio(before), 2)}× | ${fmt(coldRatio(after), 2)}× |`);
lines.push(
  `| herd: upstream fetches, RSS growth | ${before.herd?.upstreamFetches ?? '–'}, +${mib(before.herd?.rssGrowth)} | ${after.herd?.upstreamFetches ?? '–'}, +${mib(after.herd?.rssGrowth)} |`,
);
lines.push(
  `| big zip cold: RSS growth, seconds | +${mib(before.memory?.cold.rssGrowth)}, ${fmt(before.memory?.cold.seconds, 1)} s | +${mib(after.memory?.cold.rssGrowth)}, ${fmt(after.memory?.cold.seconds, 1)} s |`,
);
lines.push(
  `| big zip warm: RSS growth, seconds | +${mib(before.memory?.warm.rssGrowth)}, ${fmt(before.memory?.warm.seconds, 1)} s | +${mib(after.memory?.warm.rssGrowth)}, ${fmt(after.memory?.warm.seconds, 1)} s |`,
);
process.stdout.write(`${lines.join('\n')}\n`);
