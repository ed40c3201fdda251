// `node --import tsx bench/profile.ts [--target .info] [--connections 64] [--seconds 10]`: runs gomodproxy
// under `node --cpu-prof` against one warm target with wrk and prints where the CPU time went.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { writeModules } from './fixtures.js';
import { startProxy } from './gomodproxy.js';
import { summarizeProfile } from './profile-summary.js';
import type { CpuProfile } from './profile-summary.js';
import { reqPerSec, runWrk, writeWrkScript } from './wrk.js';
import { TARGETS } from './warm-targets.js';

const { values } = parseArgs({
  options: {
    target: { type: 'string', default: '.info' },
    connections: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    'proxy-flag': { type: 'string', multiple: true },
    keep: { type: 'boolean' },
  },
});
const t = TARGETS[values.target];
if (t === undefined) throw new Error(`--target: one of ${Object.keys(TARGETS).join(', ')}`);
const tmp = await mkdtemp(path.join(os.tmpdir(), 'gmp-prof-'));
const upstream = path.join(tmp, 'goproxy');
await writeModules(upstream, [{ path: t.module, version: 'v1.0.0', zipBytes: t.zipBytes }]);
const profDir = path.join(tmp, 'prof');
const proxy = await startProxy({
  data: path.join(tmp, 'data'),
  upstream: `file://${upstream}`,
  flags: values['proxy-flag'] ?? [],
  nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`],
});
try {
  const first = await fetch(proxy.url + t.path);
  if (first.status !== 200) throw new Error(`GET ${t.path}: ${first.status} ${await first.text()}`);
  await first.arrayBuffer();
  const script = await writeWrkScript(tmp);
  await runWrk(proxy.url + t.path, Number(values.connections), 2, script);
  const r = await runWrk(proxy.url + t.path, Number(values.connections), Number(values.seconds), script);
  process.stdout.write(`${values.target} at ${values.connections} connections: ${Math.round(reqPerSec(r))} req/s, p99 ${(r.p99Us / 1000).toFixed(2)} ms\n`);
} finally {
  await proxy.stop();
}
const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile'));
for (const f of files) {
  const profile = JSON.parse(await readFile(path.join(profDir, f), 'utf8')) as CpuProfile;
  process.stdout.write(`\n${f}\n${summarizeProfile(profile, 30)}\n`);
}
if (values.keep) process.stdout.write(`kept ${tmp}\n`);
else await rm(tmp, { recursive: true, force: true });
