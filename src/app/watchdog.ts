// A hung worker is killed and replaced. A worker whose event loop is stuck (a runaway loop, a stopped process)
// accepts no new connections, but it still holds its own: its clients' requests, and the fill locks other workers
// wait on (coord/file-exclusive.ts). The primary cannot see that any other way, and neither can a probe of
// /healthz, which the other worker answers. So the primary pings each worker over IPC, and a worker that has
// not answered for --worker-hang-timeout is killed; its exit then gives its locks back and starts a replacement.
import type { Channel } from '../coord/ipc.js';

const PING = { t: 'gmp-ping' } as const;
const PONG = { t: 'gmp-pong' } as const;
const is = (m: unknown, kind: { readonly t: string }): boolean => (m as { t?: unknown } | null)?.t === kind.t;

/** Worker side: answers the primary's pings for as long as its event loop runs. */
export function answerPings(channel: Channel): () => void {
  const onMessage = (m: unknown): void => {
    if (!is(m, PING)) return;
    try {
      channel.send(PONG, () => undefined);
    } catch {
      // The primary is gone; the worker stops on its own (cli/serve.ts).
    }
  };
  channel.on('message', onMessage);
  return () => channel.off('message', onMessage);
}

export interface WatchOptions {
  /** No answer for this long: hung. */
  readonly hangMs: number;
  /** Called once, when the worker is found hung. */
  readonly onHung: (silentMs: number) => void;
}

/** Primary side, from when the worker listens: pings it at a fifth of hangMs; returns a function that stops watching. */
export function watchWorker(channel: Channel, opts: WatchOptions): () => void {
  let heard = Date.now();
  const onMessage = (m: unknown): void => {
    if (is(m, PONG)) heard = Date.now();
  };
  channel.on('message', onMessage);
  const timer = setInterval(
    () => {
      const silent = Date.now() - heard;
      if (silent >= opts.hangMs) {
        stop();
        opts.onHung(silent);
        return;
      }
      try {
        channel.send(PING, () => undefined);
      } catch {
        // Exiting: its exit handler stops this watch.
      }
    },
    Math.max(10, Math.floor(opts.hangMs / 5)),
  );
  timer.unref();
  const stop = (): void => {
    clearInterval(timer);
    channel.off('message', onMessage);
  };
  return stop;
}
