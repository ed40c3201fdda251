// The cold suite's table: every round's time per variant (they ran back to back in rotating order) and
// the medians, with each variant's median ratio to the go command straight at the upstream.
import { pairRatio, running } from './cold.js';
import type { ColdResult } from './cold.js';
import { ratio, secs } from './util.js';

export function coldDetail(c: ColdResult): string {
  const lines = ['| variant | median | vs go straight at the upstream | server CPU per graph | rounds |', '|---|---:|---:|---:|---|'];
  for (const v of c.variants) {
    const first = v.sumdb ? 'direct-sumdb' : 'direct';
    const base = v.runningAfter === undefined ? first : running(first);
    const vs = v.name === base ? '1.00×' : ratio(pairRatio(c, v.name, base));
    const rounds = c.runs.map((r) => r[v.name]?.toFixed(2) ?? '–').join(', ');
    // secs() writes '–' for a variant without a server, and for results saved before CPU was measured.
    lines.push(`| ${v.label} | ${secs(c.seconds[v.name])} | ${vs}${v.sumdb ? ' (both verifying)' : ''} | ${secs(c.cpu?.[v.name])} | ${rounds} |`);
  }
  return [
    `\`go mod download\` of ${c.modules} modules (${c.versions} versions: MVS reads older go.mod files too) in a fresh module cache, through an empty contender each time (first graph: a process just started; second graph, other modules: the same process, already running); medians of ${c.runs.length} rounds, ratios are medians of the per-round ratios. Server CPU: user + system seconds of the answering process tree during the graph (median), which other load on the machine moves far less than the time; the go command's own CPU is not in it.`,
    '',
    ...lines,
  ].join('\n');
}
