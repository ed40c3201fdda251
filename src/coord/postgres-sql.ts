// The PostgreSQL coordinator's schema and statements: lease rows fenced by a sequence, compare-and-set
// values, every operation one statement, and expiry judged by the database's clock (now()), never a client's.
import type pg from 'pg';

/** Prefix of the schema objects: `[schema.]table_prefix`, lowercase letters, digits and `_` only. */
const PREFIX = /^(?:([a-z_][a-z0-9_]{0,62})\.)?([a-z_][a-z0-9_]{0,39})?$/;

export interface Statements {
  readonly prefix: string;
  readonly acquire: string;
  readonly renew: string;
  readonly release: string;
  readonly holder: string;
  readonly releaseOwner: string;
  readonly sweep: string;
  readonly get: string;
  readonly insert: string;
  readonly update: string;
  readonly remove: string;
  /** The objects, for to_regclass: all present means there is nothing to create. */
  readonly objects: readonly string[];
  /** The statements making what is missing; the token sequence starts at `firstToken`. */
  create(firstToken: number): string[];
}

export function statements(prefix: string): Statements {
  const m = PREFIX.exec(prefix);
  if (m === null || prefix === '') throw new Error(`invalid PostgreSQL table prefix ${JSON.stringify(prefix)} (want [schema.]prefix_ in a-z0-9_)`);
  // Quoted, so a bare prefix like "x." still gives valid names ("values" alone is a reserved word).
  const schema = m[1] === undefined ? '' : `"${m[1]}".`;
  const id = (name: string) => `${schema}"${m[2] ?? ''}${name}"`;
  const [leases, values, seq] = [id('leases'), id('values'), id('lease_token')];
  // Remaining time as the database sees it; the client adds it to its own clock (see postgres.ts).
  const left = `extract(epoch FROM expires_at - now())::float8 * 1000 AS ms`;
  const until = `now() + $3::float8 * interval '1 millisecond'`;
  return {
    prefix,
    // nextval is evaluated for every attempt, so tokens grow with every grant of any lease (gaps are fine).
    acquire: `INSERT INTO ${leases} AS l (name, token, owner, expires_at) VALUES ($1, nextval('${seq}'), $2, ${until})
      ON CONFLICT (name) DO UPDATE SET token = excluded.token, owner = excluded.owner, expires_at = excluded.expires_at
      WHERE l.expires_at <= now() RETURNING token, ${left}`,
    renew: `UPDATE ${leases} SET expires_at = ${until} WHERE name = $1 AND token = $2 AND expires_at > now() RETURNING token, ${left}`,
    release: `DELETE FROM ${leases} WHERE name = $1 AND token = $2`,
    holder: `SELECT token, ${left} FROM ${leases} WHERE name = $1 AND expires_at > now()`,
    // A lease the owner lost and another took over carries the other's owner: acquire writes it with the token.
    // Expired rows are left to the sweep. No index on owner: the table holds the leases of the moment.
    releaseOwner: `DELETE FROM ${leases} WHERE owner = $1 AND expires_at > now()`,
    // Expired rows are harmless (acquire overwrites them) but would pile up; SKIP LOCKED keeps replicas
    // sweeping at once from waiting on, or deadlocking with, each other or an acquire of the same name.
    sweep: `DELETE FROM ${leases} WHERE ctid IN (SELECT ctid FROM ${leases} WHERE expires_at <= now() LIMIT 1000 FOR UPDATE SKIP LOCKED)`,
    get: `SELECT value FROM ${values} WHERE key = $1`,
    insert: `INSERT INTO ${values} (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`,
    // Under READ COMMITTED a racer blocked on the row re-checks the WHERE against the winner's value.
    update: `UPDATE ${values} SET value = $3, updated_at = now() WHERE key = $1 AND value = $2`,
    remove: `DELETE FROM ${values} WHERE key = $1 AND value = $2`,
    objects: [leases, values, seq],
    create: (firstToken) => [
      `CREATE SEQUENCE IF NOT EXISTS ${seq} AS bigint START WITH ${firstToken}`,
      // Renewals rewrite the row often: free space per page lets them be HOT updates.
      `CREATE TABLE IF NOT EXISTS ${leases} (name text PRIMARY KEY, token bigint NOT NULL, owner text NOT NULL,
        expires_at timestamptz NOT NULL) WITH (fillfactor = 50)`,
      `CREATE TABLE IF NOT EXISTS ${values} (key text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`,
    ],
  };
}

/**
 * Creates what is missing. Replicas starting together queue on a transaction-scoped advisory lock (never a
 * session lock, which would outlive the migration on a pooled connection), because concurrent CREATE … IF
 * NOT EXISTS can still fail on the catalog's unique index. When everything exists nothing is created, so a
 * role without CREATE rights works against tables an administrator made.
 */
export async function ensureSchema(pool: pg.Pool, s: Statements): Promise<void> {
  const present = async (q: pg.Pool | pg.PoolClient) => {
    const { rows } = await q.query<{ n: number }>('SELECT count(to_regclass(o))::int AS n FROM unnest($1::text[]) AS o', [s.objects]);
    return rows[0]?.n === s.objects.length;
  };
  if (await present(pool)) return;
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`gomodproxy schema ${s.prefix}`]);
    // Tokens start from the clock in µs (as the in-process coordinator's do), so they keep growing even when
    // the schema is dropped and made again: a fence must never go backwards. Exact in a double until 2255.
    if (!(await present(client))) for (const sql of s.create(Date.now() * 1000)) await client.query(sql);
    await client.query('COMMIT');
  } catch (err) {
    failed = err as Error;
    throw err;
  } finally {
    // A client that failed mid-transaction is discarded rather than returned to the pool half-open.
    client.release(failed);
  }
}
