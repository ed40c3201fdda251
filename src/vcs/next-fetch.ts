// The fetch that requests for what only a fetch could bring (a hash pushed since the mirror's last one) wait for:
// one fetch for every request that joined before it started, started no sooner than the caller says (a gap
// after the fetch before it), or earlier by anyone else's fetch that starts meanwhile.
import { GitStoppedError } from './git-run.js';

/** What ends a wait from outside, and why (as git-run.ts says it): the mirror closing, the fill's cut. */
export interface Stop {
  readonly signal: AbortSignal | undefined;
  readonly why: string;
}

interface Waiting {
  readonly done: Promise<void>;
  take(fetch: Promise<void>): void;
}

export class NextFetch {
  private waiting: Waiting | undefined;

  /**
   * Joins the fetch requests are waiting for, or makes one: `start` is called in `waitMs` and must start a fetch
   * (which then reaches `started`). Resolves or rejects as that fetch does; rejects at once when a stop aborts the
   * wait, and the next request waits anew.
   */
  join(waitMs: number, start: () => void, stops: readonly Stop[]): Promise<void> {
    this.waiting ??= this.wait(waitMs, start, stops);
    return this.waiting.done;
  }

  /** A fetch just started, after every request now waiting: it is the one they wait for. */
  started(fetch: Promise<void>): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.take(fetch);
  }

  private wait(waitMs: number, start: () => void, stops: readonly Stop[]): Waiting {
    let settle!: (fetch: Promise<void>) => void;
    let fail!: (err: unknown) => void;
    const done = new Promise<void>((resolve, reject) => {
      settle = resolve;
      fail = reject;
    });
    const timer = setTimeout(start, waitMs);
    const listeners = stops.map(({ signal, why }) => {
      const stop = (): void => {
        if (this.waiting === waiting) this.waiting = undefined;
        end();
        fail(new GitStoppedError(`git fetch: not started, ${why}`));
      };
      if (signal?.aborted === true) queueMicrotask(stop);
      signal?.addEventListener('abort', stop, { once: true });
      return () => signal?.removeEventListener('abort', stop);
    });
    const end = (): void => {
      clearTimeout(timer);
      for (const remove of listeners) remove();
    };
    const waiting: Waiting = {
      done,
      take: (fetch) => {
        end();
        settle(fetch);
      },
    };
    return waiting;
  }
}
