// Reads a V8 .cpuprofile (node --cpu-prof) and lists self time by function and by package, enough to
// see where a request's CPU goes without opening DevTools.
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  samples: number[];
  timeDeltas: number[];
}

function packageOf(url: string): string {
  if (url === '') return '(native/V8)';
  if (url.startsWith('node:')) return 'node core';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm !== null) return nm[1] as string;
  const src = /\/(src|bench)\/(.+)$/.exec(url);
  return src === null ? url : `${src[1]}/${src[2]}`;
}

export function summarizeProfile(p: CpuProfile, top: number): string {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let total = 0;
  p.samples.forEach((id, i) => {
    const dt = p.timeDeltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const fn = new Map<string, number>();
  const pkg = new Map<string, number>();
  for (const [id, t] of self) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const cf = n.callFrame;
    const name = `${cf.functionName || '(anonymous)'} ${packageOf(cf.url)}:${cf.lineNumber + 1}`;
    fn.set(name, (fn.get(name) ?? 0) + t);
    pkg.set(packageOf(cf.url), (pkg.get(packageOf(cf.url)) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const lines = [`self time by package (total ${(total / 1e6).toFixed(1)} s):`];
  for (const [k, t] of [...pkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(t)}  ${k}`);
  lines.push(`top ${top} functions by self time:`);
  for (const [k, t] of [...fn].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  return lines.join('\n');
}
