// The warm suite's fill and its proof: every contender is asked for every target once (a peer fills its
// cache from the upstream), answers are compared with the files, and immutable artifacts must then be hits.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Contender } from './contenders.js';
import type { Nginx } from './nginx.js';
import type { WarmTarget } from './warm.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const versions = (b: Buffer) => new Set(b.toString().split('\n').filter(Boolean));

async function get(url: string): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

/** Requests each target once and checks the answer is the upstream file (a list: the same versions). */
export async function prime(c: Contender, url: string, targets: readonly WarmTarget[], files: string): Promise<void> {
  for (const t of targets) {
    const { status, body } = await get(url + t.path);
    if (status !== 200) throw new Error(`warm-up: ${c.label} GET ${t.path}: status ${status}: ${body.toString().slice(0, 200)}`);
    const want = await readFile(path.join(files, t.path));
    const same = t.name === '@v/list' ? [...versions(want)].every((v) => versions(body).has(v)) : sha(want) === sha(body);
    if (!same) throw new Error(`warm-up: ${c.label} GET ${t.path}: the answer (${body.length} bytes) differs from the upstream's file (${want.length} bytes)`);
  }
}

/**
 * After the warm-up, one more request per immutable target must not reach the upstream: hits are measured
 * from each contender's own cache, never passed through. (`@v/list` may be refreshed: the proxies differ there.)
 */
export async function checkPrimed(c: Contender, url: string, targets: readonly WarmTarget[], upstream: Nginx): Promise<void> {
  for (const t of targets.filter((x) => x.name !== '@v/list')) {
    const before = await upstream.requestsSoFar();
    const { status } = await get(url + t.path);
    const seen = (await upstream.requestsSoFar()) - before;
    if (status !== 200 || seen > 0) throw new Error(`warm-up: ${c.label} GET ${t.path} is not a cache hit (status ${status}, ${seen} upstream request(s))`);
  }
}
