// Waiting for work, but at most so long: a shutdown's drain of the writes in flight, serve's whole shutdown, a
// webhook's answer before its sender gives up, a backend's probe. At the root, below every folder, because storage, coord and server all wait
// so and none of them may import another's helpers (upstream/either-signal.ts sits above all three).

/**
 * What `work` settles with, or, when it has not settled within `ms`, what `late()` returns (or throws): the
 * caller's fallback, which may also abort the work. The work is not cancelled by this; it runs on. The timer is
 * cleared as soon as either settles, so a wait that is over never keeps the process alive. `unref`: nor does one
 * under way (serve's shutdown: a process left with nothing else to wait for ends then, rather than at the bound).
 */
export async function within<T, L>(work: Promise<T>, ms: number, late: () => L, opts: { readonly unref?: boolean } = {}): Promise<T | L> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<L>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(late());
      } catch (err) {
        reject(err);
      }
    }, ms);
    if (opts.unref === true) timer.unref();
  });
  try {
    return await Promise.race([work, bound]);
  } finally {
    clearTimeout(timer);
  }
}
