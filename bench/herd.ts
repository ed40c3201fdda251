// Suite 3, thundering herd: many concurrent requests for one zip gomodproxy does not have yet. Counts
// the fetches nginx (the upstream) saw and the peak memory growth of the proxy's process tree meanwhile.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startProxy } from './gomodproxy.js';
import { writeModules } from './fixtures.js';
import { startNginx } from './nginx.js';
import { rawGet } from './raw-get.js';
import { peakRssDuring } from './proc.js';
import type { BenchContext } from './context.js';

export interface HerdResult {
  readonly requests: number;
  readonly zipBytes: number;
  readonly ok: number;
  readonly complete: number;
  readonly upstreamFetches: number;
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly rssGrowth: number;
  readonly seconds: number;
}

const MODULE = 'bench.example/herd';

export async function runHerd(ctx: BenchContext): Promise<HerdResult> {
  const dir = path.join(ctx.tmp, 'herd');
  const upstream = path.join(dir, 'goproxy');
  ctx.log(`herd: writing a ${Math.round(ctx.herdZipBytes / 2 ** 20)} MB zip`);
  await writeModules(upstream, [{ path: MODULE, version: 'v1.0.0', zipBytes: ctx.herdZipBytes }]);
  const nginx = await startNginx(path.join(dir, 'nginx'), upstream, { accessLog: true });
  const proxy = await startProxy({ data: path.join(dir, 'data'), upstream: nginx.url, flags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags });
  try {
    // A few unrelated requests first, so lazy initialisation is not counted as growth.
    for (let i = 0; i < 20; i++) await rawGet(proxy.url, '/healthz');
    const start = performance.now();
    const {
      value: answers,
      baselineRss,
      peakRss,
    } = await peakRssDuring(proxy.pid, () => Promise.all(Array.from({ length: ctx.herdRequests }, () => rawGet(proxy.url, `/${MODULE}/@v/v1.0.0.zip`))));
    const seconds = (performance.now() - start) / 1000;
    const ok = answers.filter((a) => a.status === 200).length;
    const complete = answers.filter((a) => a.status === 200 && a.bodyBytes === a.contentLength).length;
    const upstreamFetches = await nginx.countRequests('.zip');
    ctx.log(`herd: ${ok}/${answers.length} answered 200, ${complete} complete, ${upstreamFetches} upstream zip fetch(es), in ${seconds.toFixed(1)} s`);
    return {
      requests: ctx.herdRequests,
      zipBytes: ctx.herdZipBytes,
      ok,
      complete,
      upstreamFetches,
      baselineRss,
      peakRss,
      rssGrowth: peakRss - baselineRss,
      seconds,
    };
  } finally {
    await proxy.stop();
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
