// The coordinator on PostgreSQL, shared by every replica: lease rows (not session advisory locks, which would
// pin a pooled connection for the minutes a big fill takes) and compare-and-set values, over a small pool.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import pg from 'pg';
import { gmpError, isGmpError } from '../errors.js';
import type { Coordinator, Lease } from './coordinator.js';
import { checkName } from './coordinator.js';
import type { Statements } from './postgres-sql.js';
import { ensureSchema, statements } from './postgres-sql.js';

export interface PostgresCoordinatorOptions {
  /** `[schema.]prefix_` of the tables and the token sequence (default `gomodproxy_`). */
  readonly prefix?: string;
  /** Connections per process (default 4: a worker per core and several replicas share the server's limit). */
  readonly maxConnections?: number;
  /** Default 2000: an unreachable server must fail a call quickly, never hang it. */
  readonly connectTimeoutMs?: number;
  /** Default 5000, enforced by the server and, for a server that stopped answering, by the client. */
  readonly statementTimeoutMs?: number;
  /**
   * Recorded with each lease: who holds it, for releaseOwner and for people looking at the table (default
   * host:pid:random; a worker gets its own from its primary). At most 200 characters are kept.
   */
  readonly owner?: string;
}

/** Opens a pool to `postgres://USER:PASS@HOST[:PORT]/DB[?sslmode=…]`; the schema is made on first use. */
export function openPostgresCoordinator(url: string, options: PostgresCoordinatorOptions = {}): PostgresCoordinator {
  return new PostgresCoordinator(url, options);
}

interface TimeLeft {
  token: string;
  ms: number;
}

/** How often one process sweeps expired lease rows (they are overwritten on acquire anyway). */
const SWEEP_MS = 60_000;

export class PostgresCoordinator implements Coordinator {
  readonly name: string;
  private readonly pool: pg.Pool;
  private readonly sql: Statements;
  private readonly owner: string;
  private readonly secrets: string[];
  private schema: Promise<void> | undefined;
  private lastSweep = 0;
  private closed = false;

  constructor(url: string, options: PostgresCoordinatorOptions = {}) {
    const u = parseUrl(url);
    this.name = `postgres://${u.host}/${u.db}`;
    this.secrets = [u.password, safeDecode(u.password)].filter((s) => s.length >= 3);
    this.sql = statements(options.prefix ?? 'gomodproxy_');
    this.owner = ownerOf(options.owner ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`);
    const statementMs = options.statementTimeoutMs ?? 5000;
    this.pool = new pg.Pool({
      connectionString: url,
      max: options.maxConnections ?? 4,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 2000,
      idleTimeoutMillis: 30_000,
      statement_timeout: statementMs,
      // The server's statement_timeout cannot fire when the server itself stops answering.
      query_timeout: statementMs + 1000,
      idle_in_transaction_session_timeout: statementMs * 2,
      application_name: 'gomodproxy',
      keepAlive: true,
      allowExitOnIdle: true,
    });
    // An idle connection the server dropped (restart, failover) is discarded by the pool; without a
    // listener its error event would crash the process. The next call opens a fresh connection.
    this.pool.on('error', () => undefined);
  }

  /** Creates the schema if missing; throws GMP_ERR_COORDINATOR_UNAVAILABLE with the reason (e.g. a wrong password). */
  ready(): Promise<void> {
    return this.run(async () => undefined);
  }

  async acquire(name: string, ttlMs: number): Promise<Lease | undefined> {
    checkName(name);
    const t0 = Date.now();
    const { rows } = await this.query<TimeLeft>(this.sql.acquire, [name, this.owner, ttl(ttlMs)]);
    this.sweepSometimes(t0);
    return toLease(name, t0, rows[0]);
  }

  async renew(lease: Lease, ttlMs: number): Promise<Lease | undefined> {
    const t0 = Date.now();
    const { rows } = await this.query<TimeLeft>(this.sql.renew, [lease.name, String(lease.token), ttl(ttlMs)]);
    return toLease(lease.name, t0, rows[0]);
  }

  async release(lease: Lease): Promise<void> {
    await this.query(this.sql.release, [lease.name, String(lease.token)]);
  }

  async holder(name: string): Promise<Lease | undefined> {
    checkName(name);
    const t0 = Date.now();
    const { rows } = await this.query<TimeLeft>(this.sql.holder, [name]);
    return toLease(name, t0, rows[0]);
  }

  async releaseOwner(owner: string): Promise<number> {
    return (await this.query(this.sql.releaseOwner, [ownerOf(owner)])).rowCount ?? 0;
  }

  async get(key: string): Promise<string | undefined> {
    checkName(key);
    const { rows } = await this.query<{ value: string }>(this.sql.get, [key]);
    return rows[0]?.value;
  }

  async cas(key: string, expected: string | undefined, next: string): Promise<boolean> {
    checkName(key);
    checkValue(next);
    const r = expected === undefined ? await this.query(this.sql.insert, [key, next]) : await this.query(this.sql.update, [key, expected, next]);
    return r.rowCount === 1;
  }

  async casDelete(key: string, expected: string): Promise<boolean> {
    checkName(key);
    return (await this.query(this.sql.remove, [key, expected])).rowCount === 1;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.pool.end();
  }

  private query<R extends pg.QueryResultRow>(text: string, values: unknown[]): Promise<pg.QueryResult<R>> {
    return this.run(() => this.pool.query<R>(text, values));
  }

  /** Every call: the schema first (retried after a failure), every failure as GMP_ERR_COORDINATOR_UNAVAILABLE. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.closed) throw gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', `${this.name}: the coordinator is closed`);
    try {
      this.schema ??= ensureSchema(this.pool, this.sql).catch((err: unknown) => {
        this.schema = undefined;
        throw err;
      });
      await this.schema;
      return await fn();
    } catch (err) {
      // Someone dropped the tables under us: make them again on the next call.
      if ((err as { code?: string }).code === '42P01') this.schema = undefined;
      throw this.unavailable(err);
    }
  }

  /** Database failures degrade callers (see coordinator.ts); the message never carries the password. */
  private unavailable(err: unknown): Error {
    if (isGmpError(err)) return err;
    const e = err as { message?: string; code?: string; errors?: { message?: string }[] };
    let why = e.message || e.errors?.[0]?.message || e.code || String(err);
    for (const s of this.secrets) why = why.split(s).join('***');
    // The cause carries only the SQLSTATE: enough to tell a refused password from an outage at start.
    return gmpError(
      'GMP_ERR_COORDINATOR_UNAVAILABLE',
      `${this.name}: ${why}${e.code !== undefined && !why.includes(e.code) ? ` (${e.code})` : ''}`,
      e.code === undefined ? undefined : { code: e.code },
    );
  }

  private sweepSometimes(now: number): void {
    if (now - this.lastSweep < SWEEP_MS) return;
    this.lastSweep = now;
    void this.pool.query(this.sql.sweep).catch(() => undefined);
  }
}

/**
 * The database judged the expiry; the client reports it on its own clock, counted from before the request
 * was sent, so a holder never believes it holds a lease longer than the database does.
 */
function toLease(name: string, sentAt: number, row: TimeLeft | undefined): Lease | undefined {
  return row === undefined ? undefined : { name, token: Number(row.token), expiresAt: sentAt + Math.max(0, row.ms) };
}

/** The owner as the owner column keeps it. */
function ownerOf(owner: string): string {
  return owner.slice(0, 200);
}

function ttl(ms: number): number {
  if (!Number.isFinite(ms) || ms <= 0) throw new Error(`invalid lease TTL ${ms}`);
  return ms;
}

function checkValue(v: string): void {
  // PostgreSQL text cannot hold NUL; say so rather than report the database as unavailable.
  if (v.includes('\0')) throw new Error('coordination values cannot contain NUL characters');
}

function parseUrl(url: string): { host: string; db: string; password: string } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    u = new URL('invalid:');
  }
  // The message never repeats the URL: it may hold a password.
  if ((u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') || u.hostname === '')
    throw new Error('invalid PostgreSQL URL: want postgres://USER:PASS@HOST[:PORT]/DB[?sslmode=…]');
  return { host: `${u.hostname}:${u.port || '5432'}`, db: safeDecode(u.pathname.slice(1)), password: u.password };
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}
