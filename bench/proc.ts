// What a server process and its children (workers, nginx workers, the go command under Athens) hold, read
// from /proc: summed resident and proportional memory, open descriptors, and the addresses they listen on.
import { readdir, readFile, readlink } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { kbField, processTreeSync, statFields } from './proc-tree.js';
import { resetPeak } from './util.js';

/** The fields of /proc/<pid>/stat (proc-tree.ts), or undefined once the process has gone. */
async function statFieldsOf(pid: number): Promise<string[] | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  return stat === undefined ? undefined : statFields(stat);
}

/** Linux reports CPU times in USER_HZ ticks, 100 per second on every architecture node runs on here. */
const TICKS_PER_SECOND = 100;

/**
 * CPU seconds (user + system) the tree has used so far, including children it has reaped (Athens runs the
 * go command per fill). Differences over a measured interval give the server's CPU cost per request, which
 * other load on a shared machine disturbs far less than requests per second.
 */
export async function treeCpuSeconds(pid: number): Promise<number> {
  let ticks = 0;
  for (const p of await processTree(pid)) {
    const f = await statFieldsOf(p);
    if (f !== undefined) ticks += [11, 12, 13, 14].reduce((a, i) => a + Number(f[i] ?? 0), 0);
  }
  return ticks / TICKS_PER_SECOND;
}

/** `pid` and all its descendants that are alive now. */
export const processTree = async (pid: number): Promise<number[]> => processTreeSync(pid);

export interface TreeMemory {
  /** Sum of VmRSS: pages shared between processes (the binary, a parent's pages after fork) count once per process. */
  readonly rss: number;
  /** Sum of Pss: shared pages divided among the processes that share them, so the sum is the tree's real footprint. */
  readonly pss: number;
  readonly processes: number;
}

/** Memory of the given processes (those that exited meanwhile are skipped). */
export async function memoryOfPids(pids: readonly number[]): Promise<TreeMemory> {
  let rss = 0;
  let pss = 0;
  let processes = 0;
  for (const p of pids) {
    const status = await readFile(`/proc/${p}/status`, 'utf8').catch(() => undefined);
    if (status === undefined || /^State:\s+Z/m.test(status)) continue;
    processes++;
    rss += kbField(status, 'VmRSS');
    pss += kbField((await readFile(`/proc/${p}/smaps_rollup`, 'utf8').catch(() => '')) as string, 'Pss');
  }
  return { rss, pss, processes };
}

export const treeMemory = async (pid: number): Promise<TreeMemory> => memoryOfPids(await processTree(pid));

/** Open file descriptors summed over the tree (a leak shows as steady growth under a steady load). */
export async function treeFds(pid: number): Promise<number> {
  let n = 0;
  for (const p of await processTree(pid)) n += (await readdir(`/proc/${p}/fd`).catch(() => [])).length;
  return n;
}

/** The sampler's thread (rss-sampler.ts): a worker does not inherit tsx's hooks, so it registers them first. */
const SAMPLER = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(new URL('./rss-sampler.ts', import.meta.url).href)}); });`;

/**
 * Samples the summed RSS of a tree every `everyMs`, on a thread of its own, until stopped and returns the
 * highest sum: the peak of a sum, which per-process VmHWM cannot give. The tree is re-read every second
 * (workers may restart). `samples()` says how many were taken, once stopped. Resolves once the thread has
 * taken its first sample: loading it takes a few hundred milliseconds, which a measurement must not miss.
 */
export async function sampleTreeRss(pid: number, everyMs = 25): Promise<{ stop(): Promise<number>; samples(): number }> {
  const thread = new Worker(SAMPLER, { eval: true, workerData: { pid, everyMs } });
  await new Promise<void>((resolve, reject) => {
    thread.once('error', reject);
    thread.once('message', () => {
      thread.off('error', reject);
      resolve();
    });
  });
  let taken = 0;
  let result: Promise<number> | undefined;
  return {
    stop: () => {
      result ??= new Promise<number>((resolve, reject) => {
        thread.once('error', reject);
        thread.once('message', (m: { max: number; samples: number }) => {
          taken = m.samples;
          resolve(m.max);
          void thread.terminate();
        });
        thread.postMessage('stop');
      });
      return result;
    },
    samples: () => taken,
  };
}

/**
 * Runs `fn` and reports the tree's summed RSS before it and at its peak during it (sampled every 25 ms; for
 * a single process also its VmHWM, reset first, which catches spikes between samples).
 */
export async function peakRssDuring<T>(pid: number, fn: () => Promise<T>): Promise<{ value: T; baselineRss: number; peakRss: number }> {
  const pids = await processTree(pid);
  const before = await memoryOfPids(pids);
  const reset = pids.length === 1 && (await resetPeak(pid));
  const sampler = await sampleTreeRss(pid);
  const value = await fn().finally(() => sampler.stop());
  const sampled = await sampler.stop();
  const hwm = reset ? kbField((await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '')) as string, 'VmHWM') : 0;
  return { value, baselineRss: before.rss, peakRss: Math.max(sampled, hwm) };
}

/** `127.0.0.1:8080` from /proc/net/tcp's `0100007F:1F90`; tcp6's 32 hex digits are four little-endian words. */
export function decodeAddress(hex: string): string {
  const [ip = '', port = '0'] = hex.split(':');
  const p = Number.parseInt(port, 16);
  const bytes = (ip.match(/.{8}/g) ?? []).flatMap((w) => (w.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)));
  if (bytes.length === 4) return `${bytes.join('.')}:${p}`;
  // An IPv4-mapped address (::ffff:a.b.c.d) is written as the IPv4 address it stands for.
  if (bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 255 && bytes[11] === 255) return `${bytes.slice(12).join('.')}:${p}`;
  const groups = Array.from({ length: 8 }, (_, i) => (((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0)).toString(16));
  const text = groups.join(':');
  return `[${text === '0:0:0:0:0:0:0:0' ? '::' : text === '0:0:0:0:0:0:0:1' ? '::1' : text}]:${p}`;
}

/** The local addresses the tree listens on (TCP, IPv4 and IPv6). */
export async function listeningAddresses(pid: number): Promise<string[]> {
  const inodes = new Set<string>();
  for (const p of await processTree(pid)) {
    for (const fd of await readdir(`/proc/${p}/fd`).catch(() => [] as string[])) {
      const target = await readlink(`/proc/${p}/fd/${fd}`).catch(() => '');
      const m = /^socket:\[(\d+)\]$/.exec(target);
      if (m?.[1] !== undefined) inodes.add(m[1]);
    }
  }
  const out = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const f = line.trim().split(/\s+/);
      // Fields: sl, local_address, rem_address, st (0A = LISTEN), …, inode is the tenth.
      if (f[3] === '0A' && f[9] !== undefined && inodes.has(f[9])) out.add(decodeAddress(f[1] as string));
    }
  }
  return [...out].sort();
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|\[::1\]):\d+$/;

/** The addresses that other machines could reach: anything but 127.0.0.0/8 and ::1. */
export const nonLoopback = (addrs: readonly string[]): string[] => addrs.filter((a) => !LOOPBACK.test(a));

/** Throws unless every socket the server's tree listens on is a loopback address. */
export async function assertLoopbackOnly(name: string, pid: number): Promise<string[]> {
  const addrs = await listeningAddresses(pid);
  const open = nonLoopback(addrs);
  if (addrs.length === 0) throw new Error(`${name} (pid ${pid}) listens on no TCP socket that /proc shows`);
  if (open.length > 0) throw new Error(`${name} listens beyond loopback: ${open.join(', ')}`);
  return addrs;
}
