// A self-contained SVG (or HTML page around it) of each endpoint's latency distribution: every request
// as a dot on a log-scale axis, with a p25–p75 box, the median, and a p5–p99 whisker. No dependencies.
import { redactURL } from '../protocol/proxy-list.js';
import type { EndpointStats, Status } from './analyze.js';

const COLORS: Readonly<Record<Status, string>> = {
  ok: '#2e7d32',
  stale: '#b28704',
  degraded: '#ef6c00',
  failing: '#c62828',
  down: '#757575',
  conflict: '#ad1457',
  altered: '#6a1b9a',
};
const W = 960;
const LEFT = 300;
const RIGHT = 30;
const ROW = 54;
const TOP = 48;

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? 0;
}

/** Log-scale axis covering every latency, with 1-2-5 ticks. */
function axis(all: readonly number[]) {
  const lo = Math.max(0.1, Math.min(...all, 1));
  const hi = Math.max(lo * 10, ...all);
  const [a, b] = [Math.log10(lo), Math.log10(hi)];
  const x = (v: number) => LEFT + ((Math.log10(Math.max(v, lo)) - a) / (b - a)) * (W - LEFT - RIGHT);
  const ticks: number[] = [];
  for (let e = Math.floor(a); e <= Math.ceil(b); e++) for (const m of [1, 2, 5]) if (m * 10 ** e >= lo && m * 10 ** e <= hi) ticks.push(m * 10 ** e);
  return { x, ticks };
}

const fmt = (v: number) => (v >= 1000 ? `${v / 1000} s` : `${v} ms`);

export function renderSVG(endpoints: readonly EndpointStats[], title: string): string {
  const all = endpoints.flatMap((e) => e.latencies);
  const { x, ticks } = axis(all.length > 0 ? all : [1, 10]);
  const h = TOP + endpoints.length * ROW + 40;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${h}" viewBox="0 0 ${W} ${h}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${W}" height="${h}" fill="#fff"/>`,
    `<text x="12" y="24" font-size="15" font-weight="600">${esc(title)}</text>`,
  ];
  for (const t of ticks) {
    const tx = x(t).toFixed(1);
    parts.push(
      `<line x1="${tx}" y1="${TOP - 6}" x2="${tx}" y2="${h - 34}" stroke="#e0e0e0"/>`,
      `<text x="${tx}" y="${h - 18}" text-anchor="middle" fill="#555">${fmt(t)}</text>`,
    );
  }
  endpoints.forEach((e, i) => parts.push(...row(e, i, x)));
  const legend = 'total time per successful request (log scale); box p25–p75, bar median, whisker p5–p99';
  parts.push(`<text x="${W - RIGHT}" y="${h - 4}" text-anchor="end" fill="#777">${legend}</text>`, '</svg>');
  return `${parts.join('\n')}\n`;
}

function row(e: EndpointStats, i: number, x: (v: number) => number): string[] {
  const y = TOP + i * ROW + ROW / 2;
  const color = COLORS[e.status];
  const out = [
    `<text x="12" y="${y - 4}" font-weight="600">${i + 1}. ${esc(redactURL(e.url).slice(0, 48))}</text>`,
    `<text x="12" y="${y + 12}" fill="${color}">${e.status} · ${e.latencies.length} ok · ${e.failed} failed</text>`,
  ];
  const s = [...e.latencies].sort((a, b) => a - b);
  if (s.length === 0) return out;
  // Deterministic jitter keeps dots apart without randomness, so the same run draws the same chart.
  s.forEach((v, k) => out.push(`<circle cx="${x(v).toFixed(1)}" cy="${(y + (((k * 7919) % 17) - 8)).toFixed(1)}" r="2" fill="${color}" fill-opacity="0.35"/>`));
  const [p5, p25, p50, p75, p99] = [0.05, 0.25, 0.5, 0.75, 0.99].map((q) => x(quantile(s, q)));
  out.push(
    `<line x1="${p5?.toFixed(1)}" y1="${y}" x2="${p99?.toFixed(1)}" y2="${y}" stroke="${color}" stroke-width="1.5"/>`,
    `<rect x="${p25?.toFixed(1)}" y="${y - 10}" width="${Math.max(1, (p75 ?? 0) - (p25 ?? 0)).toFixed(1)}" height="20" fill="${color}" fill-opacity="0.18" stroke="${color}"/>`,
    `<line x1="${p50?.toFixed(1)}" y1="${y - 12}" x2="${p50?.toFixed(1)}" y2="${y + 12}" stroke="${color}" stroke-width="3"><title>median ${quantile(s, 0.5).toFixed(1)} ms</title></line>`,
  );
  return out;
}

/** An HTML page with the SVG inline and a small table, for opening in a browser. */
export function renderHTML(endpoints: readonly EndpointStats[], title: string): string {
  const rows = endpoints.map((e, i) => {
    const t = e.total;
    const cells = [
      String(i + 1),
      redactURL(e.url),
      e.status,
      t ? t.p50.toFixed(1) : '-',
      t ? t.p95.toFixed(1) : '-',
      t ? t.p99.toFixed(1) : '-',
      String(e.failed),
    ];
    return `<tr>${cells.map((c) => `<td>${esc(c)}</td>`).join('')}</tr>`;
  });
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}table{border-collapse:collapse;margin-top:16px}td,th{border:1px solid #ddd;padding:4px 10px;text-align:right}td:nth-child(2){text-align:left}</style>
</head><body>
${renderSVG(endpoints, title)}<table><tr><th>#</th><th>Endpoint</th><th>Status</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>Failed</th></tr>
${rows.join('\n')}
</table></body></html>
`;
}
