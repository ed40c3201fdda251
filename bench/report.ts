// Turns suite results into the markdown printed at the end of `npm run bench`: the side-by-side table of
// contenders, gomodproxy's ratios against each, the targets, then every suite's details.
import type { ColdResult } from './cold.js';
import type { Contender } from './contenders.js';
import type { HerdResult } from './herd.js';
import type { Machine } from './machine.js';
import type { MemoryResult } from './memory.js';
import type { ReplicasResult } from './replicas.js';
import { coldDetail } from './report-cold.js';
import { replicasSection } from './report-replicas.js';
import { soakSection } from './report-soak.js';
import { ratios, sideBySide, targets } from './report-summary.js';
import { warmDetail } from './report-warm.js';
import type { SoakResult } from './soak.js';
import { fmtMB } from './util.js';
import type { WarmResult } from './warm.js';

export interface Results {
  readonly date: string;
  readonly quick: boolean;
  readonly command: string;
  readonly entry: string;
  readonly machine: Machine;
  readonly notes: readonly string[];
  readonly contenders: readonly Contender[];
  /** The gomodproxy variant with default settings, judged against the targets. */
  readonly primary?: string;
  /** Whether this gomodproxy has `serve --workers`. */
  readonly workersFlag: boolean;
  warm?: WarmResult;
  cold?: ColdResult;
  herd?: HerdResult;
  memory?: MemoryResult;
  soak?: SoakResult;
  /** Where the soak chart was written (relative to the repository). */
  soakSvg?: string;
  direct?: { markdown: string; json: unknown };
  verify?: { markdown: string };
  replicas?: ReplicasResult;
}

function herdSection(h: HerdResult): string {
  return `${h.requests} concurrent GETs of one uncached ${fmtMB(h.zipBytes)} zip: ${h.ok} answered 200, ${h.complete} complete, ${h.upstreamFetches} upstream fetch(es), RSS ${fmtMB(h.baselineRss)} → peak ${fmtMB(h.peakRss)} (+${fmtMB(h.rssGrowth)}), ${h.seconds.toFixed(1)} s.`;
}

function memorySection(x: MemoryResult): string {
  const line = (name: string, s: typeof x.cold) =>
    `- ${name}: RSS ${fmtMB(s.baselineRss)} → peak ${fmtMB(s.peakRss)} (+${fmtMB(s.rssGrowth)}), ${s.seconds.toFixed(1)} s${s.complete ? '' : ', INCOMPLETE body'}`;
  return [line('cold (fetch, validate, store, serve)', x.cold), line('warm (from the cache)', x.warm)].join('\n');
}

export function markdown(r: Results): string {
  const m = r.machine;
  const mode = r.quick ? 'QUICK mode: 1 s runs, smaller sizes; a sanity check in a few minutes, not the reference numbers' : 'full run';
  const parts = [
    `# gomodproxy benchmark, side by side (${mode})`,
    '',
    `${r.date} · \`${r.command}\` · gomodproxy from ${r.entry}`,
    `Machine: ${m.cpus} CPUs (${m.cpuModel}), ${m.memoryGB} GB RAM, Linux ${m.kernel}; node ${m.node}, nginx ${m.nginx}, ${m.wrk}, go ${m.go}.`,
    ...r.notes.map((n) => `- ${n}`),
  ];
  if (r.warm || r.cold) {
    const cold = r.cold === undefined ? '' : `; cold: \`go mod download\` of ${r.cold.modules} modules, medians of ${r.cold.runs.length} rounds`;
    parts.push('', `## Side by side (warm: wrk -t2 -c64, medians${cold})`, '', sideBySide(r), '', '## gomodproxy against each (same run)', '', ratios(r));
  }
  // The targets are judged on the warm and cold suites: a run of other suites alone has nothing to judge.
  if (r.warm || r.cold) parts.push('', '## Targets', '', targets(r));
  if (r.warm) parts.push('', '## Warm hits, every cell', '', warmDetail(r));
  if (r.cold) parts.push('', '## Cold fills', '', coldDetail(r.cold));
  if (r.herd) parts.push('', '## Thundering herd', '', herdSection(r.herd));
  if (r.memory) parts.push('', `## Memory while streaming one ${fmtMB(r.memory.zipBytes)} zip`, '', memorySection(r.memory));
  if (r.soak) parts.push('', '## Soak', '', soakSection(r.soak, r.soakSvg));
  if (r.direct) parts.push('', r.direct.markdown);
  if (r.verify) parts.push('', r.verify.markdown);
  if (r.replicas) parts.push('', '## Replicas on S3 and PostgreSQL behind nginx', '', replicasSection(r.replicas));
  return `${parts.join('\n')}\n`;
}
