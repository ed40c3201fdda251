// Suite 1, warm hits: wrk against gomodproxy (cache filled beforehand) and nginx serving the very same
// GOPROXY-layout files, for metadata and zips at several connection counts; medians of several runs.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { startProxy } from './gomodproxy.js';
import { writeModules } from './fixtures.js';
import type { ModuleSpec } from './fixtures.js';
import { startNginx } from './nginx.js';
import { mbPerSec, reqPerSec, runWrk, writeWrkScript } from './wrk.js';
import type { WrkResult } from './wrk.js';
import { median } from './util.js';
import type { BenchContext } from './context.js';

export interface WarmTarget {
  readonly name: string;
  readonly path: string;
  readonly zip: boolean;
}

export interface WarmRow {
  readonly target: string;
  readonly connections: number;
  readonly contender: string;
  readonly reqPerSec: number;
  readonly mbPerSec: number;
  readonly p50ms: number;
  readonly p99ms: number;
  readonly errors: number;
  readonly runs: readonly WrkResult[];
}

const META = 'bench.example/meta';
const zipModule = (label: string): string => `bench.example/zip${label.toLowerCase()}`;

function targets(zipSizes: ReadonlyArray<[string, number]>): { mods: ModuleSpec[]; targets: WarmTarget[] } {
  const mods: ModuleSpec[] = [{ path: META, version: 'v1.0.0', zipBytes: 1024 }];
  const list: WarmTarget[] = [
    { name: '.info', path: `/${META}/@v/v1.0.0.info`, zip: false },
    { name: '.mod', path: `/${META}/@v/v1.0.0.mod`, zip: false },
    { name: '@v/list', path: `/${META}/@v/list`, zip: false },
  ];
  for (const [label, bytes] of zipSizes) {
    mods.push({ path: zipModule(label), version: 'v1.0.0', zipBytes: bytes });
    list.push({ name: `zip ${label}`, path: `/${zipModule(label)}/@v/v1.0.0.zip`, zip: true });
  }
  return { mods, targets: list };
}

/** Requests every target once and checks both servers answer 200 with the same number of bytes. */
async function prime(urls: readonly string[], list: readonly WarmTarget[]): Promise<void> {
  for (const t of list) {
    const sizes: number[] = [];
    for (const u of urls) {
      const res = await fetch(u + t.path);
      const body = Buffer.from(await res.arrayBuffer());
      if (res.status !== 200) throw new Error(`warm-up GET ${u}${t.path}: status ${res.status}: ${body.toString().slice(0, 200)}`);
      sizes.push(body.length);
    }
    if (new Set(sizes).size !== 1) throw new Error(`${t.path}: servers disagree on size (${sizes.join(', ')})`);
  }
}

export async function runWarm(ctx: BenchContext): Promise<WarmRow[]> {
  const dir = path.join(ctx.tmp, 'warm');
  const upstream = path.join(dir, 'goproxy');
  const zipSizes: Array<[string, number]> = [
    ['16KB', 16 * 1024],
    ['1MB', 1 << 20],
    ['50MB', 50 << 20],
  ];
  const { mods, targets: list } = targets(zipSizes);
  ctx.log(`warm: writing ${mods.length} modules`);
  await writeModules(upstream, mods);
  await mkdir(path.join(dir, 'data'), { recursive: true });
  const script = await writeWrkScript(dir);
  const nginx = await startNginx(path.join(dir, 'nginx'), upstream);
  const proxy = await startProxy({ data: path.join(dir, 'data'), upstream: `file://${upstream}`, flags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags });
  const contenders = [
    { name: 'gomodproxy', url: proxy.url },
    { name: 'nginx', url: nginx.url },
  ];
  const results = new Map<string, WrkResult[]>();
  const key = (c: string, t: string, n: number) => `${c}|${t}|${n}`;
  try {
    await prime([proxy.url, nginx.url], list);
    if (ctx.warmupSeconds > 0) {
      ctx.log(`warm: ${ctx.warmupSeconds}s JIT warm-up per target`);
      for (const c of contenders) for (const t of list) await runWrk(c.url + t.path, 64, ctx.warmupSeconds, script);
    }
    for (let run = 0; run < ctx.runs; run++) {
      for (const t of list) {
        for (const n of ctx.connections) {
          // Alternate who goes first, so neither always runs on a cooler machine.
          const order = run % 2 === 0 ? contenders : [...contenders].reverse();
          for (const c of order) {
            const r = await runWrk(c.url + t.path, n, ctx.seconds, script);
            const k = key(c.name, t.name, n);
            results.set(k, [...(results.get(k) ?? []), r]);
          }
          ctx.log(
            `warm run ${run + 1}/${ctx.runs}: ${t.name} c=${n}: ${contenders.map((c) => `${c.name} ${Math.round(reqPerSec(results.get(key(c.name, t.name, n))?.at(-1) as WrkResult))} req/s`).join(', ')}`,
          );
        }
      }
    }
  } finally {
    await proxy.stop();
    await nginx.stop();
  }
  const rows: WarmRow[] = [];
  for (const t of list) {
    for (const n of ctx.connections) {
      for (const c of contenders) {
        const runs = results.get(key(c.name, t.name, n)) ?? [];
        rows.push({
          target: t.name,
          connections: n,
          contender: c.name,
          reqPerSec: median(runs.map(reqPerSec)),
          mbPerSec: median(runs.map(mbPerSec)),
          p50ms: median(runs.map((r) => r.p50Us / 1000)),
          p99ms: median(runs.map((r) => r.p99Us / 1000)),
          errors: runs.reduce((a, r) => a + r.errors + r.non2xx, 0),
          runs,
        });
      }
    }
  }
  return rows;
}
