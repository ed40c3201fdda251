// Suite 2, cold fills: `go mod download` of a synthetic module graph through gomodproxy with an empty
// cache (its upstream: nginx serving a GOPROXY directory), against the go command pointed straight at nginx.
import { execFile, execFileSync } from 'node:child_process';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { goEnv } from '../test/helpers/go.js';
import { startProxy } from './gomodproxy.js';
import { graphModules, mainGoMod, writeModules } from './fixtures.js';
import { startNginx } from './nginx.js';
import { median } from './util.js';
import type { BenchContext } from './context.js';

export interface ColdResult {
  readonly modules: number;
  readonly directSeconds: number;
  readonly proxySeconds: number;
  /** Median over runs of proxy time / direct time (target ≤ 1.1). */
  readonly ratio: number;
  readonly runs: ReadonlyArray<{ direct: number; proxy: number }>;
}

/** Runs `go mod download` in a fresh main module and module cache; resolves its wall time in seconds. */
async function timedDownload(goMod: string, goproxy: string): Promise<number> {
  // goEnv: an isolated HOME, GOPATH, GOMODCACHE and GOCACHE, GOSUMDB=off, GOFLAGS=-modcacherw.
  const go = await goEnv(goproxy);
  try {
    const work = path.join(go.home, 'main');
    await mkdir(work, { recursive: true });
    await writeFile(path.join(work, 'go.mod'), goMod);
    // Earlier runs leave dirty pages behind; flush them so that each run starts from the same state.
    execFileSync('sync');
    const start = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      execFile('go', ['mod', 'download'], { cwd: work, env: go.env, timeout: 600_000, maxBuffer: 8 << 20 }, (err, _out, stderr) =>
        err === null ? resolve() : reject(new Error(`go mod download via ${goproxy} failed: ${err.message}\n${stderr.slice(-2000)}`)),
      );
    });
    return Number(process.hrtime.bigint() - start) / 1e9;
  } finally {
    await rm(go.home, { recursive: true, force: true });
  }
}

export async function runCold(ctx: BenchContext): Promise<ColdResult> {
  const dir = path.join(ctx.tmp, 'cold');
  const upstream = path.join(dir, 'goproxy');
  const mods = graphModules(ctx.graphSize);
  ctx.log(`cold: writing a graph of ${ctx.graphSize} modules (${mods.length} versions)`);
  await writeModules(upstream, mods);
  const goMod = mainGoMod(mods);
  const nginx = await startNginx(path.join(dir, 'nginx'), upstream);
  const runs: Array<{ direct: number; proxy: number }> = [];
  try {
    // One untimed pass warms the OS page cache and the go binary for both contenders alike.
    await timedDownload(goMod, nginx.url);
    for (let i = 0; i < ctx.coldRuns; i++) {
      const direct = async () => timedDownload(goMod, nginx.url);
      const viaProxy = async () => {
        const data = path.join(dir, `data-${i}`);
        const proxy = await startProxy({ data, upstream: nginx.url, flags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags });
        try {
          return await timedDownload(goMod, proxy.url);
        } finally {
          await proxy.stop();
          await rm(data, { recursive: true, force: true });
        }
      };
      // Alternate who goes first, so neither always runs on a cooler machine.
      let d: number;
      let p: number;
      if (i % 2 === 0) {
        d = await direct();
        p = await viaProxy();
      } else {
        p = await viaProxy();
        d = await direct();
      }
      runs.push({ direct: d, proxy: p });
      ctx.log(`cold run ${i + 1}/${ctx.coldRuns}: direct ${d.toFixed(2)} s, through gomodproxy ${p.toFixed(2)} s`);
    }
  } finally {
    await nginx.stop();
  }
  const directSeconds = median(runs.map((r) => r.direct));
  const proxySeconds = median(runs.map((r) => r.proxy));
  // The ratio is the median of each run's pair, measured back to back: this machine's disk and page
  // cache drift between runs far more than within a pair.
  const ratio = median(runs.map((r) => r.proxy / r.direct));
  return { modules: ctx.graphSize, directSeconds, proxySeconds, ratio, runs };
}
