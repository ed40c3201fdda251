// The process tree and its resident memory from /proc, read synchronously: for the bench's own loop
// (proc.ts) and for the RSS sampler's thread (rss-sampler.ts), which must keep sampling while that loop
// is busy with the load it generates.
import { readdirSync, readFileSync } from 'node:fs';

/** A `Name:  123 kB` field of /proc/<pid>/status or smaps_rollup, in bytes (0 when absent). */
export const kbField = (text: string, name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;

/** A /proc file's text, or undefined once the process has gone. */
export function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields 3 onwards of a /proc/<pid>/stat line (index 0 is the state, 1 the parent, 11–14 utime, stime, cutime, cstime). */
export function statFields(stat: string): string[] {
  // The command name (field 2) may hold spaces and parentheses: the fields after it start at the last ')'.
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** `pid` and all its descendants that are alive now (this kernel has no /proc/<pid>/task/<tid>/children). */
export function processTreeSync(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    const stat = readProc(`/proc/${d}/stat`);
    if (stat === undefined) continue;
    const ppid = Number(statFields(stat)[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    tree.push(p);
    queue.push(...(children.get(p) ?? []));
  }
  return tree;
}

/** Summed VmRSS of the given processes, in bytes. */
export function rssOf(pids: readonly number[]): number {
  let sum = 0;
  for (const p of pids) sum += kbField(readProc(`/proc/${p}/status`) ?? '', 'VmRSS');
  return sum;
}
