// Whether a process still runs, by pid on this host: leases, temp files and scratch areas of processes that
// are gone may be taken over or removed. Here, at the bottom, so that the coordinator and storage share it.
import { readFileSync, readdirSync } from 'node:fs';

/**
 * Whether a process of this pid exists (EPERM: it does, owned by someone else) and runs: a zombie (exited, not yet
 * reaped by its parent) runs nothing and holds nothing, and a worker orphaned by its primary's death stays one until
 * init reaps it, which on some machines is seconds later, and in a container whose init does not reap, never.
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !exitedThreads(pid);
}

/** True when every thread of `pid` has exited (Linux's /proc); false when any runs, or when /proc cannot tell. */
function exitedThreads(pid: number): boolean {
  let threads: string[];
  try {
    threads = readdirSync(`/proc/${pid}/task`);
  } catch {
    return false;
  }
  for (const tid of threads) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'latin1');
    } catch {
      continue;
    }
    // The state follows the command name, which may hold spaces and parentheses and ends at the last ')'.
    const state = stat.charAt(stat.lastIndexOf(')') + 2);
    if (state !== 'Z' && state !== 'X') return false;
  }
  return threads.length > 0;
}
