// Suite "soak": many concurrent clients for minutes of mixed cache hits and fills on loopback (1,000 clients
// for 10 minutes by default), counting every answer that is not a whole 200 and sampling the resident memory
// of the whole process tree (primary and workers), so a leak shows as a rising curve.
import { readFile, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Pool } from 'undici';
import { escapePath } from '../src/protocol/escape.js';
import type { BenchContext } from './context.js';
import { writeModules } from './fixtures.js';
import { startProxy } from './gomodproxy.js';
import { startNginx } from './nginx.js';
import { rawGet } from './raw-get.js';
import { fmtMB, memoryOf, sleep } from './util.js';

export interface SoakOptions {
  readonly clients: number;
  readonly seconds: number;
}

interface Sample {
  readonly second: number;
  readonly rss: number;
  readonly requests: number;
}

const KINDS = ['info', 'mod', 'zip'] as const;
/** Modules filled before the clock starts: the hot set that hits come from. */
const HOT = 50;

/** RSS of a process and its child processes (the workers), in bytes. */
async function treeRss(pid: number): Promise<number> {
  let total = (await memoryOf(pid)).rss;
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) total += (await memoryOf(Number(name)).catch(() => ({ rss: 0 }))).rss;
  }
  return total;
}

export async function runSoak(ctx: BenchContext, opts: SoakOptions): Promise<{ markdown: string; json: unknown }> {
  const dir = path.join(ctx.tmp, 'soak');
  const upstream = path.join(dir, 'goproxy');
  // About one fill for every 40 requests at a few thousand requests per second, never running dry.
  const count = HOT + Math.max(200, opts.seconds * 20);
  const name = (i: number) => `bench.example/soak/m${i}`;
  ctx.log(`soak: writing ${count} modules`);
  await writeModules(
    upstream,
    Array.from({ length: count }, (_, i) => ({ path: name(i), version: 'v1.0.0', zipBytes: 1024 + ((i * 7919) % 32) * 1024 })),
  );
  const nginx = await startNginx(path.join(dir, 'nginx'), upstream);
  const proxy = await startProxy({ data: path.join(dir, 'data'), upstream: nginx.url, flags: ctx.proxyFlags, nodeFlags: ctx.nodeFlags });
  const url = (i: number, kind: (typeof KINDS)[number]) => `/${escapePath(name(i))}/@v/v1.0.0.${kind}`;
  try {
    for (let i = 0; i < HOT; i++) for (const k of KINDS) await rawGet(proxy.url, url(i, k));
    let filled = HOT;
    let requests = 0;
    let fills = 0;
    const errors = new Map<string, number>();
    // Keep-alive connections, one per client, as the go command keeps them: a new socket per request would
    // run out of loopback ports (TIME_WAIT) long before the server is in trouble.
    const pool = new Pool(proxy.url, { connections: opts.clients, pipelining: 1 });
    /** One GET; undefined when a whole 200 came back, else what went wrong. */
    const get = async (p: string): Promise<string | undefined> => {
      try {
        const res = await pool.request({ path: p, method: 'GET' });
        let bytes = 0;
        for await (const chunk of res.body) bytes += (chunk as Buffer).length;
        if (res.statusCode !== 200) return `status ${res.statusCode}`;
        return bytes === Number(res.headers['content-length']) ? undefined : 'incomplete body';
      } catch (err) {
        return `connection: ${(err as Error).message}`;
      }
    };
    const fillEveryMs = (opts.seconds * 1000) / (count - HOT);
    const start = performance.now();
    const end = start + opts.seconds * 1000;
    let nextFill = start;
    const client = async (): Promise<void> => {
      while (performance.now() < end) {
        const now = performance.now();
        let p: string;
        if (now >= nextFill && filled < count) {
          nextFill += fillEveryMs;
          p = url(filled++, 'zip');
          fills++;
        } else {
          p = url(Math.floor(Math.random() * filled), KINDS[Math.floor(Math.random() * 3)] ?? 'zip');
        }
        const why = await get(p);
        requests++;
        if (why !== undefined) errors.set(why, (errors.get(why) ?? 0) + 1);
      }
    };
    const samples: Sample[] = [];
    const every = Math.max(1, Math.round(opts.seconds / 20));
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        samples.push({ second: Math.round((performance.now() - start) / 1000), rss: await treeRss(proxy.pid), requests });
        await sleep(every * 1000);
      }
    })();
    ctx.log(`soak: ${opts.clients} clients for ${opts.seconds} s`);
    await Promise.all(Array.from({ length: opts.clients }, client));
    sampling = false;
    await sampler;
    await pool.close();
    samples.push({ second: Math.round((performance.now() - start) / 1000), rss: await treeRss(proxy.pid), requests });
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    const json = { clients: opts.clients, seconds: opts.seconds, requests, fills, errors: Object.fromEntries(errors), samples };
    const lines = [
      `### Soak: ${opts.clients} clients, ${opts.seconds} s of mixed hits and fills`,
      '',
      `${requests.toLocaleString('en-US')} requests (${Math.round(requests / opts.seconds)} req/s), ${fills} of them fills; errors: ${errorCount}${errorCount > 0 ? ` (${[...errors].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}.`,
      '',
      '| second | requests so far | RSS (primary + workers) |',
      '|---:|---:|---:|',
      ...samples.map((s) => `| ${s.second} | ${s.requests.toLocaleString('en-US')} | ${fmtMB(s.rss)} |`),
      '',
    ];
    return { markdown: lines.join('\n'), json };
  } finally {
    await proxy.stop();
    await nginx.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
