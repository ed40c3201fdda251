// One signal aborted when either of two is, released when the caller is done. Node 20's AbortSignal.any keeps
// every signal it makes reachable once a listener was added (about 1 KiB each, never collected: 330 MB after
// 300,000 fills), so the fill path, which runs once per artifact for the life of the process, links by hand.
import { setMaxListeners } from 'node:events';

export interface EitherSignal {
  readonly signal: AbortSignal | undefined;
  /** Removes the listeners on the two signals (call it once the work is over, aborted or not). */
  release(): void;
}

export function eitherSignal(a: AbortSignal | undefined, b: AbortSignal | undefined): EitherSignal {
  if (a === undefined || b === undefined) return { signal: a ?? b, release: () => undefined };
  const both = new AbortController();
  if (a.aborted || b.aborted) {
    both.abort(a.aborted ? a.reason : b.reason);
    return { signal: both.signal, release: () => undefined };
  }
  const fromA = () => both.abort(a.reason);
  const fromB = () => both.abort(b.reason);
  a.addEventListener('abort', fromA, { once: true });
  b.addEventListener('abort', fromB, { once: true });
  return {
    signal: both.signal,
    release: () => {
      a.removeEventListener('abort', fromA);
      b.removeEventListener('abort', fromB);
    },
  };
}

/**
 * A controller whose signal any number of running tasks listen to at once (every fill to the shutdown's cut, every
 * git call to its mirror's close), each dropping its listener when it ends: without this Node prints a
 * MaxListenersExceededWarning to stderr from the 11th at once, as if they leaked.
 */
export function unlimited(c: AbortController): AbortController {
  setMaxListeners(0, c.signal);
  return c;
}
