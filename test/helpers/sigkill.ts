// For crash tests: a `serve` process tree killed with SIGKILL at once (the primary and its workers), and the
// zips its data directory holds, which is what it stored durably before it died.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { alive } from '../../src/coord/process-alive.js';
import type { ProxyProcess } from './proxy-process.js';

/** `<module>@<version>` of every zip in the data directory's module cache. */
export async function storedZips(data: string): Promise<Set<string>> {
  const out = new Set<string>();
  const cache = path.join(data, 'cache');
  const files = await readdir(cache, { recursive: true }).catch(() => [] as string[]);
  for (const f of files) {
    const m = /^(.+)\/@v\/([^/]+)\.zip$/.exec(f);
    if (m !== null) out.add(`${m[1]}@${m[2]}`);
  }
  return out;
}

/** The primary's pid and its workers', read before the moment to kill comes, so that the kill lands at once. */
export async function pidsOf(p: ProxyProcess): Promise<number[]> {
  return [p.child.pid as number, ...(await p.workers())];
}

/** SIGKILL of the primary and its workers at once: nothing of them runs any more (their zombies may remain). */
export async function killAll(p: ProxyProcess, pids: readonly number[]): Promise<void> {
  const exited = new Promise((r) => p.child.once('exit', r));
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone already
    }
  }
  await exited;
  // The workers too (they are not this process's children: polled until they run no more; an orphan's zombie,
  // which init may reap seconds later, runs nothing: alive() says so).
  for (const pid of pids) while (alive(pid)) await new Promise((r) => setTimeout(r, 20));
}

/** Waits until `data` holds `n` more zips than `from` (or `all`), polling the directory. */
export async function waitStored(data: string, from: number, n: number, all: number, deadlineMs = 60_000): Promise<number> {
  const start = Date.now();
  for (;;) {
    const now = (await storedZips(data)).size;
    if (now >= Math.min(all, from + n)) return now;
    if (Date.now() - start > deadlineMs) assert.fail(`no progress: ${now} zips stored`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
