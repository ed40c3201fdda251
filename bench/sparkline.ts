// A memory curve for reports: a one-line text sparkline for markdown and a small standalone SVG line chart.

const BARS = '▁▂▃▄▅▆▇█';

/** Buckets `values` into at most `width` columns (the highest value of each) and draws them from ▁ to █. */
export function sparkline(values: readonly number[], width = 60): string {
  if (values.length === 0) return '';
  const per = Math.ceil(values.length / width);
  const cols: number[] = [];
  for (let i = 0; i < values.length; i += per) cols.push(Math.max(...values.slice(i, i + per)));
  const lo = Math.min(...cols);
  const hi = Math.max(...cols);
  return cols.map((v) => BARS[hi === lo ? 0 : Math.round(((v - lo) / (hi - lo)) * (BARS.length - 1))]).join('');
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A 640×240 SVG of one or more series sharing the axes; y starts at 0 so growth is not exaggerated. */
export function svgChart(title: string, xLabel: string, yLabel: string, series: ReadonlyArray<{ name: string; points: readonly Point[] }>): string {
  const [w, h, left, right, top, bottom] = [640, 240, 60, 20, 30, 40];
  const all = series.flatMap((s) => s.points);
  const xMax = Math.max(1, ...all.map((p) => p.x));
  const yMax = Math.max(1, ...all.map((p) => p.y)) * 1.1;
  const sx = (x: number) => left + (x / xMax) * (w - left - right);
  const sy = (y: number) => h - bottom - (y / yMax) * (h - top - bottom);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => f * yMax);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="11">`,
    `<rect width="${w}" height="${h}" fill="white"/>`,
    `<text x="${w / 2}" y="18" text-anchor="middle" font-size="13">${esc(title)}</text>`,
    ...ticks.map(
      (t) =>
        `<line x1="${left}" x2="${w - right}" y1="${sy(t).toFixed(1)}" y2="${sy(t).toFixed(1)}" stroke="#ddd"/><text x="${left - 4}" y="${(sy(t) + 4).toFixed(1)}" text-anchor="end">${t.toFixed(0)}</text>`,
    ),
    `<text x="${w / 2}" y="${h - 8}" text-anchor="middle">${esc(xLabel)} (0–${xMax.toFixed(0)})</text>`,
    `<text transform="translate(14 ${h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
  ];
  series.forEach((s, i) => {
    const color = colors[i % colors.length];
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts}"/>`);
    parts.push(`<text x="${left + 8 + i * 160}" y="${top + 12}" fill="${color}">${esc(s.name)}</text>`);
  });
  parts.push('</svg>');
  return `${parts.join('\n')}\n`;
}
