// Whether a process still runs, by pid on this host: leases, temp files and scratch areas of processes that
// are gone may be taken over or removed. Here, at the bottom, so that the coordinator and storage share it.

/** Whether a process of this pid exists (EPERM: it does, owned by someone else). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
