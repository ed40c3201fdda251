// Benchmark: what checksum verification adds to a cold fill (first module: cold tile cache; later
// modules: warm tiles), against the same fills with --sumdb off, in one run on this machine.
// Run: node --import tsx bench/verify.ts [--quick]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeUpstream } from '../test/helpers/fake-upstream.js';
import { writeGoproxyDir } from '../test/helpers/goproxy-dir.js';
import type { FixtureModule } from '../test/helpers/goproxy-dir.js';
import { startProxy } from '../test/helpers/proxy.js';
import { startTestSumdb } from '../test/helpers/test-sumdb.js';

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
};

function fixtures(modules: number): FixtureModule[] {
  return Array.from({ length: modules }, (_, i) => ({
    path: `bench.example/m${i}`,
    versions: [{ version: 'v1.0.0', files: { 'a.go': `package m${i}\n\nconst X = ${i}\n`, 'data.txt': 'x'.repeat(16 << 10) } }],
  }));
}

async function fillAll(modules: number, flags: Record<string, string>, upstream: string): Promise<number[]> {
  const proxy = await startProxy({ upstream, ...flags });
  const times: number[] = [];
  try {
    for (let i = 0; i < modules; i++) {
      const t0 = performance.now();
      for (const ext of ['mod', 'zip']) {
        const res = await proxy.get(`/bench.example/m${i}/@v/v1.0.0.${ext}`);
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`fill ${i}.${ext}: ${res.status}`);
      }
      times.push(performance.now() - t0);
    }
    const t0 = performance.now();
    for (let i = 0; i < modules; i++) await (await proxy.get(`/bench.example/m${i}/@v/v1.0.0.zip`)).arrayBuffer();
    times.push((performance.now() - t0) / modules);
  } finally {
    await proxy.close();
  }
  return times;
}

export async function runVerifyBench(quick: boolean): Promise<string> {
  const modules = quick ? 40 : 150;
  const fillerCount = quick ? 300 : 3000;
  const rounds = quick ? 3 : 5;
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-bench-verify-'));
  const up = await startFakeUpstream(await writeGoproxyDir(dir, fixtures(modules)));
  const db = await startTestSumdb(dir);
  try {
    // A log of realistic depth: filler records first, then every benchmark module.
    const filler = Array.from({ length: fillerCount }, (_, i) => ({
      path: `filler.example/f${i}`,
      version: 'v1.0.0',
      text: Buffer.from(`filler.example/f${i} v1.0.0 h1:x=\n`),
    }));
    await db.log.add(filler);
    for (let i = 0; i < modules; i++)
      await db.log.add([{ path: `bench.example/m${i}`, version: 'v1.0.0', text: (await db.gosum(`bench.example/m${i}`, 'v1.0.0')) as Buffer }]);
    const off: number[][] = [];
    const on: number[][] = [];
    // One discarded round first, so JIT warm-up does not count against whichever contender runs first.
    await fillAll(modules, { sumdb: db.gosumdb }, up.url);
    for (let r = 0; r < rounds; r++) {
      off.push(await fillAll(modules, { sumdb: 'off' }, up.url));
      on.push(await fillAll(modules, { sumdb: db.gosumdb }, up.url));
    }
    const firstOff = median(off.map((t) => t[0] as number));
    const firstOn = median(on.map((t) => t[0] as number));
    const restOff = median(off.map((t) => median(t.slice(1, modules))));
    const restOn = median(on.map((t) => median(t.slice(1, modules))));
    const hitOff = median(off.map((t) => t[modules] as number));
    const hitOn = median(on.map((t) => t[modules] as number));
    const row = (name: string, a: number, b: number) =>
      `| ${name} | ${a.toFixed(2)} ms | ${b.toFixed(2)} ms | ${b - a >= 0 ? '+' : '−'}${Math.abs(b - a).toFixed(2)} ms | ${(b / a).toFixed(2)}× |`;
    return [
      `### Checksum verification overhead (${modules} modules, log of ${fillerCount + modules} records, ${rounds} rounds, medians${quick ? ', quick' : ''})`,
      '',
      '| fill of .mod + .zip | --sumdb off | verified | added | ratio |',
      '|---|---|---|---|---|',
      row('first module (cold tile cache)', firstOff, firstOn),
      row('later modules (warm tiles)', restOff, restOn),
      row('cache hit (.zip)', hitOff, hitOn),
      '',
      'Database and upstream are on 127.0.0.1: the added time is CPU and disk, not network round trips;',
      'against sum.golang.org a cold lookup adds one round trip for /lookup plus one per uncached tile.',
    ].join('\n');
  } finally {
    await up.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log(await runVerifyBench(process.argv.includes('--quick')));
