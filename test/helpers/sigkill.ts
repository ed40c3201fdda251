// For crash tests: a `serve` process tree killed with SIGKILL at once (the primary and its workers), and the
// zips its data directory holds, which is what it stored durably before it died.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
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

/**
 * SIGKILL of the primary and its workers at once: nothing of them runs any more. Their zombies may remain (the
 * next `serve` then takes an orphaned worker's pid for a live one and leaves its scratch area to a later start,
 * which nothing here checks).
 */
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
  // The workers too (they are not this process's children: polled until gone).
  for (const pid of pids) while (await runs(pid)) await new Promise((r) => setTimeout(r, 20));
}

/**
 * Whether any thread of `pid` has yet to exit. A zombie runs nothing and holds nothing (its files, sockets and
 * memory went when it exited): a worker orphaned by its primary's death stays one until init reaps it, which
 * on some machines (a VM's init that reaps every 2 s or so) is long after it died.
 */
async function runs(pid: number): Promise<boolean> {
  const threads = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  // Without /proc there is no telling a zombie from the living.
  if (threads === undefined) return alive(pid);
  for (const tid of threads) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/stat`, 'utf8').catch(() => '');
    // The state is the field after the command name, which may contain spaces and ends at the last ')'.
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    if (state !== '' && state !== 'Z' && state !== 'X') return true;
  }
  return false;
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
