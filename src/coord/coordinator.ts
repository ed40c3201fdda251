// The coordination port: what processes (workers, replicas) must agree on goes through it — expiring
// leases with a fencing token (one fill per artifact, one writer of the own checksum log) and small
// compare-and-set values (the trusted tree head per checksum database, the distrusted state).
import { createHash } from 'node:crypto';

/** A granted lease. The token is unique and increases with every grant of any lease (a fence). */
export interface Lease {
  readonly name: string;
  readonly token: number;
  /** Wall-clock ms when the lease lapses unless renewed. */
  readonly expiresAt: number;
}

/**
 * Contract for every backend (see conformance.ts):
 * - at most one unexpired lease per name; acquire never waits (undefined when held by someone else);
 * - renew succeeds only for the current holder's token, before expiry; release by a stale token is a no-op;
 * - an expired lease can be acquired by anyone, with a larger token;
 * - cas(key, expected, next) sets next only when the current value equals expected (undefined = absent),
 *   atomically across all processes sharing the coordinator; values survive restarts of a process;
 * - every lease belongs to the owner of the client that acquired it (a process: a worker's id from its primary);
 *   releaseOwner(owner) drops that owner's unexpired leases at once, and no one else's (a lease the owner lost
 *   and another took over stays the other's); it is for an owner known dead, never one that may still run;
 * - an unreachable backend throws GMP_ERR_COORDINATOR_UNAVAILABLE (callers degrade; see resilient.ts).
 */
export interface Coordinator {
  /** What it is, for logs and /readyz (never with credentials). */
  readonly name: string;
  acquire(name: string, ttlMs: number): Promise<Lease | undefined>;
  /** The renewed lease, or undefined when it was lost (expired and possibly taken). */
  renew(lease: Lease, ttlMs: number): Promise<Lease | undefined>;
  release(lease: Lease): Promise<void>;
  /** The current unexpired holder of a lease name, if any. */
  holder(name: string): Promise<Lease | undefined>;
  /**
   * Drops every unexpired lease of an owner that is gone (a worker process that exited, which its primary
   * knows at once), so that nobody waits for them to lapse; returns how many it dropped.
   */
  releaseOwner(owner: string): Promise<number>;
  get(key: string): Promise<string | undefined>;
  cas(key: string, expected: string | undefined, next: string): Promise<boolean>;
  /** Removes a value only if it still equals expected. */
  casDelete(key: string, expected: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A valid name for any text: characters outside printable ASCII (a query may hold spaces and letters of any
 * script, as the go command allows in versions) as %XX of their UTF-8 bytes, and a name still too long cut
 * and completed with its digest. Names already valid are unchanged, so every process and release agrees.
 */
export function nameFor(text: string): string {
  const printable = text.replace(/[^\x21-\x7e]/gu, (c) => [...Buffer.from(c, 'utf8')].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join(''));
  if (printable.length <= 512) return printable;
  return `${printable.slice(0, 440)}#${createHash('sha256').update(printable).digest('hex')}`;
}

/** Lease and value names: printable ASCII without spaces, at most 512 bytes. */
export function checkName(name: string): string {
  if (!/^[\x21-\x7e]{1,512}$/.test(name)) throw new Error(`invalid coordination name ${JSON.stringify(name.slice(0, 80))}`);
  return name;
}
