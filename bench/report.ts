// Turns suite results into the markdown tables printed at the end of `npm run bench` (medians, ratios
// against nginx or the direct upstream measured in the same run, and the targets).
import type { ColdResult } from './cold.js';
import type { HerdResult } from './herd.js';
import type { Machine } from './machine.js';
import type { MemoryResult } from './memory.js';
import type { WarmRow } from './warm.js';
import { fmtMB } from './util.js';

export interface Results {
  readonly date: string;
  readonly quick: boolean;
  readonly command: string;
  readonly entry: string;
  readonly machine: Machine;
  readonly notes: readonly string[];
  warm?: WarmRow[];
  cold?: ColdResult;
  herd?: HerdResult;
  memory?: MemoryResult;
  direct?: { markdown: string; json: unknown };
  verify?: { markdown: string };
  soak?: { markdown: string; json: unknown };
}

const int = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const ratio = (n: number) => (Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');

function warmTable(rows: readonly WarmRow[]): string {
  const out = [
    '| endpoint | conns | gomodproxy req/s | nginx req/s | ratio (zips: MB/s) | gomodproxy MB/s | nginx MB/s | gomodproxy p50 / p99 ms | nginx p50 / p99 ms |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const cells = new Map(rows.map((r) => [`${r.target}|${r.connections}|${r.contender}`, r]));
  const seen = new Set<string>();
  for (const r of rows) {
    const k = `${r.target}|${r.connections}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const g = cells.get(`${k}|gomodproxy`);
    const n = cells.get(`${k}|nginx`);
    if (g === undefined || n === undefined) continue;
    const errs = g.errors + n.errors > 0 ? ` (errors: ${g.errors}/${n.errors})` : '';
    // Zips compare bytes per second: wrk counts the bytes of unfinished 50 MB answers too.
    const rel = r.target.startsWith('zip') ? g.mbPerSec / n.mbPerSec : g.reqPerSec / n.reqPerSec;
    out.push(
      `| ${r.target}${errs} | ${r.connections} | ${int(g.reqPerSec)} | ${int(n.reqPerSec)} | ${ratio(rel)} | ${int(g.mbPerSec)} | ${int(n.mbPerSec)} | ${ms(g.p50ms)} / ${ms(g.p99ms)} | ${ms(n.p50ms)} / ${ms(n.p99ms)} |`,
    );
  }
  return out.join('\n');
}

function warmRatio(rows: readonly WarmRow[] | undefined, target: string, conns: number): number {
  const g = rows?.find((r) => r.target === target && r.connections === conns && r.contender === 'gomodproxy');
  const n = rows?.find((r) => r.target === target && r.connections === conns && r.contender === 'nginx');
  if (g === undefined || n === undefined) return NaN;
  return target.startsWith('zip') ? g.mbPerSec / n.mbPerSec : g.reqPerSec / n.reqPerSec;
}

function targetsTable(r: Results): string {
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not run' : ok ? 'met' : '**missed**');
  const info = warmRatio(r.warm, '.info', 64);
  const zip = warmRatio(r.warm, 'zip 1MB', 64);
  const lines = [
    '| metric | target | measured | |',
    '|---|---|---|---|',
    `| warm \`.info\` req/s vs nginx, 64 conns | ≥ 0.5× (stretch 0.7×) | ${ratio(info)} | ${met(r.warm && info >= 0.5)}${info >= 0.7 ? ' (stretch met)' : ''} |`,
    `| warm 1 MB zip MB/s vs nginx, 64 conns | ≥ 0.8× | ${ratio(zip)} | ${met(r.warm && zip >= 0.8)} |`,
  ];
  if (r.cold)
    lines.push(
      `| cold ${r.cold.modules}-module \`go mod download\` vs straight at upstream | ≤ 1.1× the time | ${ratio(r.cold.ratio)} (medians ${r.cold.proxySeconds.toFixed(2)} s vs ${r.cold.directSeconds.toFixed(2)} s) | ${met(r.cold.ratio <= 1.1)} |`,
    );
  if (r.herd) {
    const h = r.herd;
    lines.push(
      `| herd of ${h.requests} on one cold ${fmtMB(h.zipBytes)} zip | 1 upstream fetch, RSS growth < 100 MB | ${h.upstreamFetches} fetch(es), +${fmtMB(h.rssGrowth)} | ${met(h.upstreamFetches === 1 && h.rssGrowth < 100 * 2 ** 20 && h.complete === h.requests)} |`,
    );
  }
  if (r.memory) {
    const m = r.memory;
    lines.push(
      `| ${fmtMB(m.zipBytes)} zip, cold and warm | RSS growth < 100 MB | cold +${fmtMB(m.cold.rssGrowth)}, warm +${fmtMB(m.warm.rssGrowth)} | ${met(Math.max(m.cold.rssGrowth, m.warm.rssGrowth) < 100 * 2 ** 20 && m.cold.complete && m.warm.complete)} |`,
    );
  }
  return lines.join('\n');
}

export function markdown(r: Results): string {
  const m = r.machine;
  const parts = [
    `# gomodproxy benchmark (${r.quick ? 'QUICK mode: shorter runs, smaller sizes; a sanity check, not the reference numbers' : 'full'})`,
    '',
    `${r.date} · \`${r.command}\` · gomodproxy from ${r.entry}`,
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGB} GB RAM, Linux ${m.kernel}; node ${m.node}, nginx ${m.nginx}, ${m.wrk}, go ${m.go}.`,
    ...r.notes.map((n) => `- ${n}`),
    '',
    '## Targets',
    '',
    targetsTable(r),
  ];
  if (r.warm) parts.push('', '## Warm hits (wrk, medians)', '', warmTable(r.warm));
  if (r.cold) {
    const c = r.cold;
    const pairs = c.runs.map((p) => `${p.direct.toFixed(2)} / ${p.proxy.toFixed(2)} s`).join(', ');
    parts.push(
      '',
      '## Cold fills',
      '',
      `\`go mod download\` of ${c.modules} modules, median of ${c.runs.length} runs: straight at nginx ${c.directSeconds.toFixed(2)} s, through an empty gomodproxy ${c.proxySeconds.toFixed(2)} s; median ratio of the back-to-back pairs ${ratio(c.ratio)}. Runs (direct / through gomodproxy): ${pairs}.`,
    );
  }
  if (r.herd) {
    const h = r.herd;
    parts.push(
      '',
      '## Thundering herd',
      '',
      `${h.requests} concurrent GETs of one uncached ${fmtMB(h.zipBytes)} zip: ${h.ok} answered 200, ${h.complete} complete, ${h.upstreamFetches} upstream fetch(es), RSS ${fmtMB(h.baselineRss)} → peak ${fmtMB(h.peakRss)} (+${fmtMB(h.rssGrowth)}), ${h.seconds.toFixed(1)} s.`,
    );
  }
  if (r.memory) {
    const x = r.memory;
    const line = (name: string, s: typeof x.cold) =>
      `- ${name}: RSS ${fmtMB(s.baselineRss)} → peak ${fmtMB(s.peakRss)} (+${fmtMB(s.rssGrowth)}), ${s.seconds.toFixed(1)} s${s.complete ? '' : ', INCOMPLETE body'}`;
    parts.push(
      '',
      `## Memory while streaming one ${fmtMB(x.zipBytes)} zip`,
      '',
      line('cold (fetch, validate, store, serve)', x.cold),
      line('warm (from the cache)', x.warm),
    );
  }
  if (r.direct) parts.push('', r.direct.markdown);
  if (r.verify) parts.push('', r.verify.markdown);
  if (r.soak) parts.push('', r.soak.markdown);
  return `${parts.join('\n')}\n`;
}
