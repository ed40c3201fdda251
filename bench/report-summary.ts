// The head of the report: one row per contender for the primary cells (warm `.info` and 1 MB zip at 64
// connections, the cold graph), gomodproxy's ratio against each, and the targets of issue 11.
import { pairRatio, running } from './cold.js';
import type { Contender } from './contenders.js';
import type { Results } from './report.js';
import { fmtMB, int, ratio, secs } from './util.js';
import type { WarmRow } from './warm.js';

export const PRIMARY_CONNS = 64;

export const warmCell = (r: Results, contender: string | undefined, target: string, conns = PRIMARY_CONNS): WarmRow | undefined =>
  r.warm?.rows.find((w) => w.contender === contender && w.target === target && w.connections === conns);

const rate = (r: Results, c: string | undefined, target: string) => warmCell(r, c, target)?.reqPerSec;
/** a's req/s over b's, both measured in this run. */
const warmRatio = (r: Results, a: string | undefined, b: string | undefined, target: string) => (rate(r, a, target) ?? NaN) / (rate(r, b, target) ?? NaN);

/** The cold variants shown on a contender's row: nginx stands for the go command straight at it. */
function coldNames(r: Results, c: Contender): [string?, string?] {
  if (c.id === 'nginx') return ['direct', 'direct-sumdb'];
  if (c.id === 'gomodproxy') return c.name === r.primary ? ['gomodproxy', 'gomodproxy-sumdb'] : [];
  if (c.id === 'goproxy' || c.id === 'athens') return [c.name];
  return [];
}

function label(r: Results, c: Contender): string {
  if (c.id === 'nginx') return 'nginx on the files / go straight at the upstream';
  if (c.id === 'fastify') return `${c.label} returning the same ${r.warm?.infoBytes ?? '~50'} bytes`;
  return c.name === r.primary && r.workersFlag ? `${c.label} (the default here)` : c.label;
}

export function sideBySide(r: Results): string {
  const cold = (v?: string) => (v === undefined ? '–' : secs(r.cold?.seconds[v]));
  const rows = r.contenders.map((c) => {
    const [off, on] = coldNames(r, c);
    const rss = r.warm?.rss[c.name];
    const info = warmCell(r, c.name, '.info');
    const zip = warmCell(r, c.name, 'zip 1MB');
    return [
      label(r, c),
      int(info?.reqPerSec),
      int(zip?.reqPerSec),
      int(info?.cpuUsPerReq),
      int(zip?.cpuUsPerMB),
      cold(off),
      cold(on),
      rss === undefined ? '–' : fmtMB(rss),
    ];
  });
  const head = [
    'contender',
    'warm `.info` req/s',
    'warm 1 MB zip req/s',
    'CPU µs per `.info`',
    'CPU µs per MB of zip',
    'cold, GOSUMDB off',
    'cold, checksums verified',
    'RSS after the warm suite',
  ];
  // Only what this run measured: suites left out leave no empty columns, contenders no empty rows.
  const cols = head.map((_, i) => i).filter((i) => i === 0 || rows.some((row) => row[i] !== '–'));
  const shown = rows.filter((row) => cols.some((i) => i > 0 && row[i] !== '–'));
  const line = (cells: readonly string[]) => `| ${cols.map((i) => cells[i]).join(' | ')} |`;
  return [
    line(head),
    `|---|${cols
      .slice(1)
      .map(() => '---:|')
      .join('')}`,
    ...shown.map(line),
  ].join('\n');
}

/** The bare route with as many processes as this gomodproxy variant. */
const yardstickFor = (r: Results, c: Contender) => (c.workers === 2 && r.contenders.some((x) => x.name === 'fastify-w2') ? 'fastify-w2' : 'fastify');
const named = (r: Results, id: string) => r.contenders.find((c) => c.id === id)?.name;

export function ratios(r: Results): string {
  const lines = ['| gomodproxy | metric | vs nginx / go direct | vs goproxy | vs Athens | vs bare Fastify |', '|---|---|---:|---:|---:|---:|'];
  for (const c of r.warm === undefined ? [] : r.contenders.filter((x) => x.id === 'gomodproxy')) {
    for (const [metric, t] of [
      ['warm `.info` req/s', '.info'],
      ['warm 1 MB zip req/s', 'zip 1MB'],
    ] as const) {
      const vs = (other?: string) => ratio(warmRatio(r, c.name, other, t));
      const yard = t === '.info' ? vs(yardstickFor(r, c)) : '–';
      lines.push(`| ${c.label} | ${metric} (higher is better) | ${vs(named(r, 'nginx'))} | ${vs(named(r, 'goproxy'))} | ${vs(named(r, 'athens'))} | ${yard} |`);
    }
  }
  if (r.cold) {
    const vs = (a: string, b?: string) => ratio(b === undefined ? NaN : pairRatio(r.cold, a, b));
    lines.push(
      `| gomodproxy (defaults) | cold time (lower is better) | ${vs('gomodproxy', 'direct')} | ${vs('gomodproxy', named(r, 'goproxy'))} | ${vs('gomodproxy', named(r, 'athens'))} | – |`,
    );
    lines.push(`| gomodproxy (defaults) | cold time, both verifying checksums | ${vs('gomodproxy-sumdb', 'direct-sumdb')} | – | – | – |`);
    lines.push(
      `| gomodproxy (defaults) | cold time, process already running | ${vs(running('gomodproxy'), running('direct'))} | ${vs(running('gomodproxy'), running(named(r, 'goproxy') ?? ''))} | ${vs(running('gomodproxy'), running(named(r, 'athens') ?? ''))} | – |`,
    );
    if (r.cold.seconds['gomodproxy-far'] !== undefined) {
      const g = named(r, 'goproxy');
      const far = r.cold.variants.find((v) => v.name === 'direct-far')?.label.replace('go straight at ', '') ?? 'a far upstream';
      lines.push(
        `| gomodproxy (defaults) | cold time, ${far} (vs the go command straight at it) | ${vs('gomodproxy-far', 'direct-far')} | ${vs('gomodproxy-far', g === undefined ? undefined : `${g}-far`)} | – | – |`,
      );
    }
    // Medians of each side's CPU per graph: they ran in different processes, so there is no per-round pair.
    const cpu = (b?: string) => ratio(b === undefined ? NaN : (r.cold?.cpu?.gomodproxy ?? NaN) / (r.cold?.cpu?.[b] ?? NaN));
    if (r.cold.cpu?.gomodproxy !== undefined)
      lines.push(`| gomodproxy (defaults) | server CPU per cold graph (lower is better) | – | ${cpu(named(r, 'goproxy'))} | ${cpu(named(r, 'athens'))} | – |`);
  }
  return lines.join('\n');
}

export function targets(r: Results): string {
  const met = (ok: boolean | undefined) => (ok === undefined ? 'not run' : ok ? 'met' : '**missed**');
  const p = r.primary;
  const lines = ['| target (issue 11) | measured | |', '|---|---|---|'];
  const warm = (name: string, t: string, other: string | undefined, want: number) => {
    const x = warmRatio(r, p, other, t);
    lines.push(`| ${name} ≥ ${want}× ${other ?? '(not run)'} | ${ratio(x)} | ${met(other === undefined || r.warm === undefined ? undefined : x >= want)} |`);
  };
  warm('warm `.info` req/s', '.info', named(r, 'goproxy'), 1.2);
  warm('warm `.info` req/s', '.info', named(r, 'nginx'), 0.6);
  warm('warm 1 MB zip req/s', 'zip 1MB', named(r, 'goproxy'), 1.1);
  if (r.cold) {
    const g = named(r, 'goproxy');
    for (const [when, name] of [
      ['', (n: string) => n],
      [', process already running', running],
    ] as const) {
      const x = pairRatio(r.cold, name('gomodproxy'), name('direct'));
      const others = [
        ...(g === undefined ? [] : [`goproxy: ${ratio(pairRatio(r.cold, name(g), name('direct')))}`]),
        ...(r.cold.seconds[name('nginx-forward')] === undefined
          ? []
          : [`nginx only forwarding: ${ratio(pairRatio(r.cold, name('nginx-forward'), name('direct')))}`]),
        ...(r.cold.seconds[name('node-store')] === undefined
          ? []
          : [`a bare Node.js proxy storing: ${ratio(pairRatio(r.cold, name('node-store'), name('direct')))}`]),
      ];
      const peer = others.length === 0 ? '' : ` (${others.join('; ')})`;
      lines.push(
        `| cold ${r.cold.modules}-module \`go mod download\`${when} ≤ 1.1× the time straight at the upstream | ${ratio(x)}${peer} | ${met(Number.isFinite(x) ? x <= 1.1 : undefined)} |`,
      );
    }
  }
  if (r.herd) {
    const h = r.herd;
    const ok = h.upstreamFetches === 1 && h.rssGrowth < 100 * 2 ** 20 && h.complete === h.requests;
    lines.push(
      `| herd of ${h.requests} on one cold ${fmtMB(h.zipBytes)} zip: 1 upstream fetch, RSS growth < 100 MB | ${h.upstreamFetches} fetch(es), +${fmtMB(h.rssGrowth)} | ${met(ok)} |`,
    );
  }
  if (r.memory) {
    const m = r.memory;
    const ok = Math.max(m.cold.rssGrowth, m.warm.rssGrowth) < 100 * 2 ** 20 && m.cold.complete && m.warm.complete;
    lines.push(
      `| ${fmtMB(m.zipBytes)} zip cold and warm: RSS growth < 100 MB | cold +${fmtMB(m.cold.rssGrowth)}, warm +${fmtMB(m.warm.rssGrowth)} | ${met(ok)} |`,
    );
  }
  if (r.soak) {
    const n = Object.values(r.soak.errors).reduce((a, b) => a + b, 0);
    lines.push(`| soak, ${r.soak.clients} clients for ${r.soak.seconds} s: zero errors | ${n} | ${met(n === 0)} |`);
    const st = r.soak.steady;
    if (st !== undefined)
      lines.push(
        `| soak: RSS flat once the caches have filled (second half drifts < 10 % of its mean) | ${st.drift >= 0 ? '+' : '−'}${fmtMB(Math.abs(st.drift))} of ${fmtMB(st.meanRss)} | ${met(st.flat)} |`,
      );
  }
  return lines.join('\n');
}
