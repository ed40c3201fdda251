// The soak suite's section: load and error counts, the memory curve of gomodproxy's process tree as a
// table of samples and a text sparkline, and an SVG chart written next to the JSON results.
import type { SoakResult } from './soak.js';
import { sparkline, svgChart } from './sparkline.js';
import { fmtMB, int, ms } from './util.js';

/** At most `n` samples, evenly spread, always with the first and the last. */
const thin = <T>(xs: readonly T[], n: number): T[] =>
  xs.length <= n ? [...xs] : Array.from({ length: n }, (_, i) => xs[Math.round((i * (xs.length - 1)) / (n - 1))] as T);

export function soakSection(s: SoakResult, svgFile?: string): string {
  const l = s.load;
  const secs = l.durationUs / 1e6;
  const errors = Object.entries(s.errors);
  const table = [
    '| t (s) | RSS (sum) | PSS (sum) | V8 heap committed | V8 heap used | external | processes | open fds | fills so far |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  const opt = (b: number | undefined) => (b === undefined ? '–' : fmtMB(b));
  for (const x of thin(s.samples, 13))
    table.push(
      `| ${x.t.toFixed(0)} | ${fmtMB(x.rss)} | ${fmtMB(x.pss)} | ${opt(x.heapTotal)} | ${opt(x.heapUsed)} | ${opt(x.external)} | ${x.processes} | ${x.fds} | ${int(x.fills)} |`,
    );
  const st = s.steady;
  const steady =
    st === undefined
      ? []
      : [
          `- RSS from ${st.fromT.toFixed(0)} s on (the second half, caches filled): mean ${fmtMB(st.meanRss)}, between ${fmtMB(st.minRss)} and ${fmtMB(st.maxRss)}; a least-squares line through it moves ${st.drift >= 0 ? '+' : '−'}${fmtMB(Math.abs(st.drift))} over the half (${(st.slope / 2 ** 20).toFixed(1)} MiB/min): **${st.flat ? 'flat' : 'NOT flat'}** (flat: under 10 % of the mean).`,
        ];
  return [
    `${s.clients} concurrent connections (wrk -t2) for ${s.seconds} s on loopback: hits on 50 warm modules (list, .info, .mod, 1–32 KiB zips), and one request in ${s.fillEvery} a fill of a new module (.info, .mod, .zip in turn).`,
    '',
    `- Load: ${int(l.requests)} requests (${int(l.requests / secs)}/s), ${int(l.fills)} of them fills; latency p50 ${ms(l.p50Us / 1000)} ms, p99 ${ms(l.p99Us / 1000)} ms, max ${ms(l.maxUs / 1000)} ms.`,
    `- Probe client beside the load (one of each a second): hits p50 ${ms(s.probes.hit.p50ms)} ms, p99 ${ms(s.probes.hit.p99ms)} ms, max ${ms(s.probes.hit.maxMs)} ms (${s.probes.hit.n} probes); fills of a new module (.info + .mod + .zip) p50 ${ms(s.probes.fill.p50ms)} ms, p99 ${ms(s.probes.fill.p99ms)} ms, max ${ms(s.probes.fill.maxMs)} ms (${s.probes.fill.n} probes).`,
    `- Errors: ${errors.length === 0 ? 'none (no socket errors, every answer 200, healthy and serving hits and fills afterwards)' : `**${errors.map(([k, n]) => `${k}: ${int(n)}`).join(', ')}**`}.`,
    `- RSS summed over gomodproxy's process tree: start ${fmtMB(s.start.rss)}, end ${fmtMB(s.end.rss)}, peak ${fmtMB(s.peakRss)}; open descriptors ${s.start.fds} → ${s.end.fds}.`,
    `- RSS curve: \`${sparkline(s.samples.map((x) => x.rss))}\` (${fmtMB(Math.min(...s.samples.map((x) => x.rss)))} to ${fmtMB(Math.max(...s.samples.map((x) => x.rss)))})${svgFile === undefined ? '' : `; chart: ${svgFile}`}`,
    ...steady,
    '',
    ...table,
  ].join('\n');
}

export function soakSvg(s: SoakResult): string {
  const mib = (b: number) => b / 2 ** 20;
  return svgChart(`gomodproxy memory under ${s.clients} clients, mixed hits and fills`, 'seconds', 'MiB', [
    { name: 'RSS, summed over processes', points: s.samples.map((x) => ({ x: x.t, y: mib(x.rss) })) },
    { name: 'PSS, summed', points: s.samples.map((x) => ({ x: x.t, y: mib(x.pss) })) },
    { name: 'V8 heap committed, summed', points: s.samples.filter((x) => x.heapTotal !== undefined).map((x) => ({ x: x.t, y: mib(x.heapTotal as number) })) },
  ]);
}
