// The coordinator over IPC: with `--workers N` the primary process owns the one LocalCoordinator and every
// worker talks to it through Node's process channel. A worker that dies loses its leases at once.
import { ERRORS, GmpError, gmpError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import type { Coordinator, Lease } from './coordinator.js';
import type { LocalCoordinator } from './local.js';

/** What Node's ChildProcess / cluster Worker (primary side) and `process` (worker side) offer. */
export interface Channel {
  /** The callback receives an error instead of an 'error' event when the other side is gone. */
  send(message: unknown, callback?: (err: Error | null) => void): unknown;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

interface Request {
  readonly t: 'gmp-coord';
  readonly id: number;
  readonly op: 'acquire' | 'renew' | 'release' | 'holder' | 'releaseOwner' | 'get' | 'cas' | 'casDelete';
  readonly args: unknown[];
  /** Sent without waiting for an answer (a release): the primary runs it and replies nothing. */
  readonly oneWay?: true;
}

interface Reply {
  readonly t: 'gmp-coord-reply';
  readonly id: number;
  readonly value?: unknown;
  readonly error?: string;
  /** The registry's code of a known failure (the primary's disk full), so the worker answers it as such. */
  readonly code?: ErrorCode;
}

const isRequest = (m: unknown): m is Request => (m as Request | null)?.t === 'gmp-coord';
const isReply = (m: unknown): m is Reply => (m as Reply | null)?.t === 'gmp-coord-reply';

/** Primary side: answers one worker's requests; returns a function that detaches and drops its leases. */
export function serveCoordinator(coord: LocalCoordinator, channel: Channel, owner: string): () => void {
  const onMessage = (m: unknown): void => {
    if (!isRequest(m)) return;
    const run = async (): Promise<unknown> => {
      const a = m.args;
      switch (m.op) {
        case 'acquire':
          return coord.acquire(a[0] as string, a[1] as number, owner);
        case 'renew':
          return coord.renew(a[0] as Lease, a[1] as number);
        case 'release':
          return coord.release(a[0] as Lease);
        case 'holder':
          return coord.holder(a[0] as string);
        case 'releaseOwner':
          return coord.releaseOwner(a[0] as string);
        case 'get':
          return coord.get(a[0] as string);
        case 'cas':
          // JSON over the channel turns undefined into null: null means "absent" here.
          return coord.cas(a[0] as string, (a[1] ?? undefined) as string | undefined, a[2] as string);
        case 'casDelete':
          return coord.casDelete(a[0] as string, a[1] as string);
      }
    };
    if (m.oneWay === true) {
      run().catch(() => undefined);
      return;
    }
    run().then(
      (value) => trySend(channel, { t: 'gmp-coord-reply', id: m.id, value } satisfies Reply),
      (err: unknown) =>
        trySend(channel, {
          t: 'gmp-coord-reply',
          id: m.id,
          error: (err as Error).message,
          ...(err instanceof GmpError ? { code: err.code } : {}),
        } satisfies Reply),
    );
  };
  channel.on('message', onMessage);
  return () => {
    channel.off('message', onMessage);
    // Dropped before this returns (see LocalCoordinator.releaseOwner).
    void coord.releaseOwner(owner);
  };
}

function trySend(channel: Channel, m: unknown): void {
  try {
    channel.send(m, () => undefined);
  } catch {
    // The worker is gone; its leases are dropped by the primary's exit handler.
  }
}

/** Worker side. */
export class IpcCoordinator implements Coordinator {
  readonly name = 'primary process';
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  private readonly onMessage = (m: unknown): void => {
    if (!isReply(m)) return;
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error !== undefined) p.reject(m.code === undefined || !(m.code in ERRORS) ? new Error(m.error) : new GmpError(m.code, m.error));
    else p.resolve(m.value);
  };

  constructor(
    private readonly channel: Channel,
    private readonly timeoutMs = 5000,
  ) {
    channel.on('message', this.onMessage);
  }

  private call<T>(op: Request['op'], ...args: unknown[]): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const id = ++this.nextId;
      const unavailable = (why: string) => gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', `the primary process does not answer (${why})`);
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(unavailable('timeout'));
      }, this.timeoutMs);
      timer.unref();
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      try {
        this.channel.send({ t: 'gmp-coord', id, op, args } satisfies Request, (err) => {
          if (err === null || !this.pending.has(id)) return;
          this.pending.delete(id);
          clearTimeout(timer);
          reject(unavailable(err.message));
        });
      } catch (err) {
        this.pending.delete(id);
        clearTimeout(timer);
        reject(unavailable((err as Error).message));
      }
    });
  }

  acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    return this.call('acquire', name, ttlMs);
  }
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    return this.call('renew', lease, ttlMs);
  }
  /**
   * One way: a release needs no answer, and the primary handles one worker's messages in the order they were
   * sent, so a later acquire or lookup from this worker already sees it. Half of each fill's messages saved.
   */
  release(lease: Lease): Promise<void> {
    return new Promise<void>((resolve) => {
      try {
        this.channel.send({ t: 'gmp-coord', id: 0, op: 'release', args: [lease], oneWay: true } satisfies Request, () => resolve());
      } catch {
        // The primary is gone, and with it every lease of this worker.
        resolve();
      }
    });
  }
  holder(name: string): Promise<Lease | undefined> {
    return this.call('holder', name);
  }
  releaseOwner(owner: string): Promise<number> {
    return this.call('releaseOwner', owner);
  }
  get(key: string): Promise<string | undefined> {
    return this.call('get', key);
  }
  cas(key: string, expected: string | undefined, next: string): Promise<boolean> {
    return this.call('cas', key, expected, next);
  }
  casDelete(key: string, expected: string): Promise<boolean> {
    return this.call('casDelete', key, expected);
  }

  async close(): Promise<void> {
    this.channel.off('message', this.onMessage);
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', 'coordinator closed'));
      this.pending.delete(id);
    }
  }
}
