// A hung worker is killed and replaced. A worker whose event loop is stuck (a runaway loop, a stopped process)
// accepts no new connections, but it still holds its own: its clients' requests, and the fill locks other workers
// wait on (coord/file-exclusive.ts). The primary cannot see that any other way, and neither can a probe of
// /healthz, which the other worker answers. So the primary pings each worker over IPC, and a worker that has
// not answered for --worker-hang-timeout is killed; its exit then gives its locks back and starts a replacement.
import type { Channel } from '../coord/ipc.js';

interface Ping {
  readonly t: 'gmp-ping';
  readonly n: number;
}
const isPing = (m: unknown): m is Ping => (m as Ping | null)?.t === 'gmp-ping';
const isPong = (m: unknown): boolean => (m as { t?: unknown } | null)?.t === 'gmp-pong';

/** Worker side: answers the primary's pings for as long as its event loop runs. */
export function answerPings(channel: Channel): () => void {
  const onMessage = (m: unknown): void => {
    if (!isPing(m)) return;
    try {
      channel.send({ t: 'gmp-pong', n: m.n }, () => undefined);
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
  readonly now?: () => number;
}

/** Primary side, from when the worker listens: pings it at a fifth of hangMs; returns a function that stops watching. */
export function watchWorker(channel: Channel, opts: WatchOptions): () => void {
  const now = opts.now ?? Date.now;
  let heard = now();
  let n = 0;
  const onMessage = (m: unknown): void => {
    if (isPong(m)) heard = now();
  };
  channel.on('message', onMessage);
  const timer = setInterval(
    () => {
      const silent = now() - heard;
      if (silent >= opts.hangMs) {
        stop();
        opts.onHung(silent);
        return;
      }
      try {
        channel.send({ t: 'gmp-ping', n: ++n } satisfies Ping, () => undefined);
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
