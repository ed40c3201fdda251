// Bundle throughput and memory: N MiB of modules (16 MiB zips of random bytes) are warmed into a data
// directory, exported to one bundle, and imported into a fresh one; each command runs as its own process
// under /usr/bin/time for its peak RSS. Run: node --import tsx bench/bundle.ts [MiB, default 1024].
import { execFile } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startFakeUpstream } from '../test/helpers/fake-upstream.js';
import { writeModules } from './fixtures.js';
import type { ModuleSpec } from './fixtures.js';

const MiB = 1024 * 1024;
const BIN = fileURLToPath(new URL('../bin/gomodproxy.js', import.meta.url));
const OFF = ['--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'warn', '--workers', '1'];

function timed(args: string[]): Promise<{ seconds: number; peakRssMiB: number; stdout: string }> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-v', process.execPath, BIN, ...args], { maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err !== null) return reject(new Error(`${args.slice(0, 2).join(' ')} failed: ${stderr.slice(-2000)}`));
      const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1] ?? 0);
      resolve({ seconds: (Date.now() - started) / 1000, peakRssMiB: Math.round(kb / 1024), stdout });
    });
  });
}

const totalMiB = Number(process.argv[2] ?? 1024);
const dir = await mkdtemp(path.join(tmpdir(), 'gmp-bench-bundle-'));
const mods: ModuleSpec[] = Array.from({ length: Math.max(1, Math.round(totalMiB / 16)) }, (_, i) => ({
  path: `bench.example/bundle/m${String(i).padStart(3, '0')}`,
  version: 'v1.0.0',
  zipBytes: 16 * MiB,
}));
try {
  await writeModules(path.join(dir, 'up'), mods);
  const up = await startFakeUpstream(path.join(dir, 'up'));
  const list = path.join(dir, 'modules.txt');
  await writeFile(list, mods.map((m) => `${m.path}@${m.version}\n`).join(''));
  const bundle = path.join(dir, 'modules.tar');
  try {
    const warm = await timed(['warm', '--from', list, '--data', path.join(dir, 'a'), '--upstream', up.url, '-c', '4', ...OFF]);
    const exp = await timed(['bundle', 'export', '--from', list, '-o', bundle, '--data', path.join(dir, 'a'), '--upstream', 'off', ...OFF]);
    const size = (await stat(bundle)).size / MiB;
    const imp = await timed(['bundle', 'import', bundle, '--data', path.join(dir, 'b'), '--upstream', 'off', ...OFF]);
    const row = (name: string, r: { seconds: number; peakRssMiB: number }) =>
      `${name.padEnd(14)} ${r.seconds.toFixed(1).padStart(7)} s ${(size / r.seconds).toFixed(0).padStart(6)} MiB/s  peak RSS ${r.peakRssMiB} MiB`;
    console.log(`bundle of ${mods.length} module versions, ${size.toFixed(0)} MiB`);
    console.log(row('warm', warm));
    console.log(row('bundle export', exp));
    console.log(row('bundle import', imp));
  } finally {
    await up.close();
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
