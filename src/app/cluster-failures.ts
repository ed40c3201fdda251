// Runs of local storage failures across the workers of `serve --workers N`: the workers share one data
// directory, so a full disk fails them all at once, and one line per worker would say the same thing N times.
// Each worker hands every failure to the primary, which keeps the one log of runs (storage/local-failures.ts)
// for the whole server: one line when a run starts, one when a worker that met it stores something again.
// Metrics and the wake-up of eviction stay with each worker. Nothing is sent while storing works.
import type { Logger } from 'pino';
import type { Channel } from '../coord/ipc.js';
import { FailureRunLog } from '../storage/local-failures.js';
import type { FailureLog, LocalFailure } from '../storage/local-failures.js';

type Message = { readonly t: 'gmp-failure'; readonly failure: LocalFailure } | { readonly t: 'gmp-stored' };

const isMessage = (m: unknown): m is Message => {
  const t = (m as { t?: unknown } | null)?.t;
  return t === 'gmp-stored' || (t === 'gmp-failure' && typeof (m as { failure?: unknown }).failure === 'object');
};

/** Primary side: add every worker's channel. */
export class FailuresHub {
  readonly #runs: FailureRunLog;
  /** The workers that met the current run: a store by one of them ends it. */
  readonly #met = new Set<string>();

  constructor(log: Logger) {
    this.#runs = new FailureRunLog(log);
  }

  add(id: string, channel: Channel): () => void {
    const onMessage = (m: unknown): void => {
      if (!isMessage(m)) return;
      if (m.t === 'gmp-stored') {
        if (!this.#met.has(id)) return;
        this.#met.clear();
        this.#runs.succeeded();
        return;
      }
      if (this.#runs.failed({ ...m.failure, context: { ...m.failure.context, worker: id } })) this.#met.clear();
      this.#met.add(id);
    };
    channel.on('message', onMessage);
    return () => {
      channel.off('message', onMessage);
      // With everyone who met the run gone, no one can say it ended: the next failure starts a new one.
      if (this.#met.delete(id) && this.#met.size === 0) this.#runs.forget();
    };
  }
}

/** Worker side: the log of runs that LocalFailures tells, kept by the primary. */
export class WorkerFailureLog implements FailureLog {
  /** Failures were sent since the last store: the next store is told, to end the run. */
  #failing = false;

  constructor(private readonly channel: Channel) {}

  failed(failure: LocalFailure): void {
    this.#failing = true;
    this.#send({ t: 'gmp-failure', failure });
  }

  succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    this.#send({ t: 'gmp-stored' });
  }

  #send(m: Message): void {
    try {
      // With a callback, a channel that closed meanwhile reports to it instead of raising an 'error' event.
      this.channel.send(m, () => undefined);
    } catch {
      // The primary is gone; this worker stops with it.
    }
  }
}
