// `node --import tsx bench/ab.ts --before DIR [--after DIR] [--targets LIST] [--rounds N]`: two builds of
// gomodproxy (checkouts with dist/) side by side on the same warm targets, alternating wrk runs, medians.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeModules } from './fixtures.js';
import { startProxy } from './gomodproxy.js';
import type { ProxyProcess } from './gomodproxy.js';
import { treeCpuSeconds } from './proc.js';
import { int, median } from './util.js';
import { reqPerSec, runWrk, writeWrkScript } from './wrk.js';
import { TARGETS } from './warm-targets.js';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: fileURLToPath(new URL('..', import.meta.url)) },
    targets: { type: 'string', default: '.info,.mod,zip16KB,zip1MB' },
    rounds: { type: 'string', default: '5' },
    seconds: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    workers: { type: 'string', default: '1' },
  },
});
if (values.before === undefined) throw new Error('--before DIR: a checkout with dist/ to compare against');
const builds = { before: values.before, after: values.after };
const targets = values.targets.split(',').map((t) => {
  const found = TARGETS[t];
  if (found === undefined) throw new Error(`unknown target ${t}; choose from ${Object.keys(TARGETS).join(', ')}`);
  return [t, found] as const;
});
const [rounds, seconds, conns] = [Number(values.rounds), Number(values.seconds), Number(values.connections)];

const tmp = await mkdtemp(path.join(os.tmpdir(), 'gmp-ab-'));
const upstream = path.join(tmp, 'goproxy');
const modules = new Map(targets.map(([, t]) => [t.module, t.zipBytes]));
await writeModules(
  upstream,
  [...modules].map(([m, zipBytes]) => ({ path: m, version: 'v1.0.0', zipBytes })),
);
const script = await writeWrkScript(tmp);
const servers: Record<string, ProxyProcess> = {};
try {
  for (const [name, dir] of Object.entries(builds)) {
    const bin = path.join(path.resolve(dir), 'bin/gomodproxy.js');
    servers[name] = await startProxy({ data: path.join(tmp, name), upstream: `file://${upstream}`, flags: ['--workers', values.workers], bin });
  }
  const cells = new Map<string, { rps: number[]; cpuUs: number[] }>();
  for (const [t, target] of targets) {
    for (const s of Object.values(servers)) {
      const first = await fetch(s.url + target.path);
      if (first.status !== 200) throw new Error(`GET ${target.path}: ${first.status}`);
      await first.arrayBuffer();
      await runWrk(s.url + target.path, conns, 1, script);
    }
    for (let round = 0; round < rounds; round++) {
      // Alternate who goes first, so a trend in the machine's load favours neither.
      const order = round % 2 === 0 ? Object.entries(servers) : Object.entries(servers).reverse();
      for (const [name, s] of order) {
        const cpu0 = await treeCpuSeconds(s.pid);
        const r = await runWrk(s.url + target.path, conns, seconds, script);
        const cpu = (await treeCpuSeconds(s.pid)) - cpu0;
        const cell = cells.get(`${t} ${name}`) ?? { rps: [], cpuUs: [] };
        cell.rps.push(reqPerSec(r));
        cell.cpuUs.push((cpu * 1e6) / Math.max(1, r.requests));
        cells.set(`${t} ${name}`, cell);
      }
    }
  }
  const out = [
    `A/B: ${rounds} alternating wrk runs of ${seconds} s at ${conns} connections, --workers ${values.workers}; medians (load average now ${os.loadavg()[0]?.toFixed(1)})`,
    `before = ${builds.before}, after = ${builds.after}`,
    '',
    '| target | req/s before | req/s after | ratio | CPU µs/req before | CPU µs/req after | ratio |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [t] of targets) {
    const b = cells.get(`${t} before`);
    const a = cells.get(`${t} after`);
    if (a === undefined || b === undefined) continue;
    const [rb, ra, cb, ca] = [median(b.rps), median(a.rps), median(b.cpuUs), median(a.cpuUs)];
    out.push(`| ${t} | ${int(rb)} | ${int(ra)} | ${(ra / rb).toFixed(2)}× | ${int(cb)} | ${int(ca)} | ${(ca / cb).toFixed(2)}× |`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
} finally {
  for (const s of Object.values(servers)) await s.stop();
  await rm(tmp, { recursive: true, force: true });
}
