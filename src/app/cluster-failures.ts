// Runs of local storage failures across the workers of `serve --workers N`: the workers share one data
// directory, so a full disk fails them all at once, and one line per worker would say the same thing N times.
// Each worker hands every failure to the primary, which keeps the one log of runs (storage/local-failures.ts)
// for the whole server: one line when a run starts, one when a worker that met it stores something again.
// Metrics and the wake-up of eviction stay with each worker. Nothing is sent while storing works. Whether the
// disk is full now goes back to every worker, for /readyz: a load balancer asks whichever worker accepts.
import type { Logger } from 'pino';
import type { Channel } from '../coord/ipc.js';
import { FailureRunLog } from '../storage/local-failures.js';
import type { DiskFull, FailureLog, LocalFailure, RoomCheck } from '../storage/local-failures.js';

type Message = { readonly t: 'gmp-failure'; readonly failure: LocalFailure } | { readonly t: 'gmp-stored' };
/** Primary to workers: the disk is full (since, reason), or not (null). */
type DiskMessage = { readonly t: 'gmp-disk'; readonly full: DiskFull | null };

const isMessage = (m: unknown): m is Message => {
  const t = (m as { t?: unknown } | null)?.t;
  return t === 'gmp-stored' || (t === 'gmp-failure' && typeof (m as { failure?: unknown }).failure === 'object');
};

const isDiskMessage = (m: unknown): m is DiskMessage => (m as { t?: unknown } | null)?.t === 'gmp-disk';

/** Sends without waiting; a channel that closed meanwhile reports to the callback, not as an 'error' event. */
function post(channel: Channel, m: Message | DiskMessage): void {
  try {
    channel.send(m, () => undefined);
  } catch {
    // The other side is gone.
  }
}

/** Primary side: add every worker's channel. */
export class FailuresHub {
  readonly #runs: FailureRunLog;
  /** The workers that met the current run: a store by one of them ends it. */
  readonly #met = new Set<string>();
  readonly #channels = new Map<string, Channel>();
  /** What the workers were last told of the disk. */
  #told: DiskFull | undefined;

  /** `room`: how the primary finds room again on a full disk that no worker stores on (a node serving only hits). */
  constructor(log: Logger, room?: Omit<RoomCheck, 'onRoom'>) {
    const onRoom = (): void => {
      this.#met.clear();
      this.#tellDisk();
    };
    this.#runs = new FailureRunLog(log, Date.now, room === undefined ? undefined : { ...room, onRoom });
  }

  add(id: string, channel: Channel): () => void {
    const onMessage = (m: unknown): void => {
      if (!isMessage(m)) return;
      if (m.t === 'gmp-stored') {
        if (!this.#met.has(id)) return;
        this.#met.clear();
        this.#runs.succeeded();
      } else {
        if (this.#runs.failed({ ...m.failure, context: { ...m.failure.context, worker: id } })) this.#met.clear();
        this.#met.add(id);
      }
      this.#tellDisk();
    };
    channel.on('message', onMessage);
    this.#channels.set(id, channel);
    // A worker started during a run (a replacement) says so from its first /readyz.
    if (this.#told !== undefined) post(channel, { t: 'gmp-disk', full: this.#told });
    return () => {
      channel.off('message', onMessage);
      this.#channels.delete(id);
      // With everyone who met the run gone, no one can say it ended: the next failure starts a new one.
      if (this.#met.delete(id) && this.#met.size === 0) this.#runs.forget();
      this.#tellDisk();
    };
  }

  /** Tells every worker when the disk became full or has room again. */
  #tellDisk(): void {
    const full = this.#runs.full();
    if (full === this.#told) return;
    this.#told = full;
    for (const channel of this.#channels.values()) post(channel, { t: 'gmp-disk', full: full ?? null });
  }
}

/** Worker side: the log of runs that LocalFailures tells, kept by the primary. */
export class WorkerFailureLog implements FailureLog {
  /** Failures were sent since the last store: the next store is told, to end the run. */
  #failing = false;
  /** What the primary last said of the disk, or this worker's own full disk until the primary's answer comes. */
  #full: DiskFull | undefined;

  constructor(
    private readonly channel: Channel,
    private readonly now: () => number = Date.now,
  ) {
    channel.on('message', (m: unknown) => {
      if (isDiskMessage(m)) this.#full = m.full ?? undefined;
    });
  }

  failed(failure: LocalFailure): void {
    this.#failing = true;
    if (failure.code === 'GMP_ERR_STORAGE_FULL') this.#full ??= { since: this.now(), reason: failure.reason };
    post(this.channel, { t: 'gmp-failure', failure });
  }

  succeeded(): void {
    if (!this.#failing) return;
    this.#failing = false;
    post(this.channel, { t: 'gmp-stored' });
  }

  full(): DiskFull | undefined {
    return this.#full;
  }
}
