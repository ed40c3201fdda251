// The cold suite's table: every round's time per variant (they ran back to back in rotating order) and
// the medians, with each variant's median ratio to the go command straight at the upstream (the far one for variants
// against the upstream moved far away).
import { directFor, pairRatio } from './cold.js';
import type { ColdResult } from './cold.js';
import { ratio, secs } from './util.js';

export function coldDetail(c: ColdResult): string {
  const lines = ['| variant | median | vs go straight at the upstream | server CPU per graph | rounds |', '|---|---:|---:|---:|---|'];
  for (const v of c.variants) {
    const base = directFor(v);
    const vs = v.name === base ? '1.00×' : ratio(pairRatio(c, v.name, base));
    const rounds = c.runs.map((r) => r[v.name]?.toFixed(2) ?? '–').join(', ');
    // secs() writes '–' for a variant without a server, and for results saved before CPU was measured.
    lines.push(`| ${v.label} | ${secs(c.seconds[v.name])} | ${vs}${v.sumdb ? ' (both verifying)' : ''} | ${secs(c.cpu?.[v.name])} | ${rounds} |`);
  }
  return [
    `\`go mod download\` of ${c.modules} modules (${c.versions} versions named by the graph; its go.mod files are pruned, so the go command asks for the go.mod, .info and zip of the ${c.modules} its main module requires) in a fresh module cache, through an empty contender each time (first graph: a process just started; second graph, other modules: the same process, already running); medians of ${c.runs.length} rounds, ratios are medians of the per-round ratios (against the go command straight at the same upstream, near or far). Server CPU: user + system seconds of the answering process tree during the graph (median), which other load on the machine moves far less than the time; the go command's own CPU is not in it.`,
    '',
    ...lines,
  ].join('\n');
}
