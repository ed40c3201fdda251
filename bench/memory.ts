// Suite 4, memory: the proxy's RSS growth while it streams one very large zip, first cold (fetched from
// the upstream, validated, stored, then served) and then warm (served from its cache).
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { startProxy } from './gomodproxy.js';
import type { ProxyProcess } from './gomodproxy.js';
import { writeModules } from './fixtures.js';
import { startNginx } from './nginx.js';
import { rawGet } from './raw-get.js';
import { peakRssDuring } from './proc.js';
import type { BenchContext } from './context.js';

export interface StreamMemory {
  readonly baselineRss: number;
  readonly peakRss: number;
  readonly rssGrowth: number;
  readonly seconds: number;
  readonly complete: boolean;
}

export interface MemoryResult {
  readonly zipBytes: number;
  readonly cold: StreamMemory;
  readonly warm: StreamMemory;
}

const MODULE = 'bench.example/big';

async function measure(proxy: ProxyProcess): Promise<StreamMemory> {
  const { value: a, baselineRss, peakRss } = await peakRssDuring(proxy.pid, () => rawGet(proxy.url, `/${MODULE}/@v/v1.0.0.zip`));
  if (a.status !== 200) throw new Error(`memory: GET of the big zip answered ${a.status}`);
  return { baselineRss, peakRss, rssGrowth: peakRss - baselineRss, seconds: a.ms / 1000, complete: a.bodyBytes === a.contentLength };
}

export async function runMemory(ctx: BenchContext): Promise<MemoryResult> {
  const dir = path.join(ctx.tmp, 'memory');
  const upstream = path.join(dir, 'goproxy');
  ctx.log(`memory: writing a ${Math.round(ctx.bigZipBytes / 1e6)} MB zip`);
  await writeModules(upstream, [{ path: MODULE, version: 'v1.0.0', zipBytes: ctx.bigZipBytes }]);
  const nginx = await startNginx(path.join(dir, 'nginx'), upstream);
  const proxy = await startProxy({ data: path.join(dir, 'data'), upstream: nginx.url, flags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags });
  try {
    for (let i = 0; i < 20; i++) await rawGet(proxy.url, '/healthz');
    const cold = await measure(proxy);
    ctx.log(`memory: cold stream ${cold.seconds.toFixed(1)} s, RSS +${(cold.rssGrowth / 2 ** 20).toFixed(1)} MB`);
    const warm = await measure(proxy);
    ctx.log(`memory: warm stream ${warm.seconds.toFixed(1)} s, RSS +${(warm.rssGrowth / 2 ** 20).toFixed(1)} MB`);
    return { zipBytes: ctx.bigZipBytes, cold, warm };
  } finally {
    await proxy.stop();
    await nginx.stop();
    // Half a gigabyte twice over: never leave it behind.
    await rm(dir, { recursive: true, force: true });
  }
}
