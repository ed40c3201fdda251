// What the checksum-database client needs from the outside world (x/mod sumdb.ClientOps), and its two
// distinct failures: a write conflict on the saved tree head, and proof that the server misbehaved.
import { GmpError } from '../errors.js';

/**
 * Files named here: config `key` (the verifier key) and `<name>/latest` (the last trusted signed tree
 * note; empty means "nothing trusted yet"); cache `<name>/lookup/<escpath>@<escver>` and `<name>/tile/…`.
 */
export interface ClientOps {
  /** GETs `/lookup/…` or `/tile/…` from the database; MUST reject for any non-200 answer. */
  readRemote(path: string): Promise<Buffer>;
  readConfig(file: string): Promise<Buffer>;
  /** Replaces `old` with `next` atomically; MUST reject with WriteConflictError if the stored value is not `old`. */
  writeConfig(file: string, old: Buffer, next: Buffer): Promise<void>;
  /** Any rejection counts as "not cached". Called only with data that has been authenticated. */
  readCache(file: string): Promise<Buffer>;
  writeCache(file: string, data: Buffer): Promise<void>;
  log(msg: string): void;
  /** Told the full report (both notes and the proof) before the client rejects with SecurityError. */
  securityError(msg: string): void;
}

export class WriteConflictError extends Error {
  override readonly name = 'WriteConflictError';
  constructor() {
    super('write conflict');
  }
}

/**
 * The database signed two tree heads that cannot both be true (a fork or a rollback). Unlike other
 * lookup failures this is evidence against the server, so callers should stop trusting it.
 */
export class SecurityError extends GmpError {
  override readonly name = 'SecurityError';
  constructor(
    readonly report: string,
    db?: string,
  ) {
    super('GMP_ERR_SUMDB', `security error: misbehaving server${db === undefined ? '' : ` (checksum database ${db})`}`);
  }
}
