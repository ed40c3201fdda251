// PostgreSQL for tests: the shared server (test/helpers/services.ts), a unique table prefix per suite, and a
// private server of a test's own (.ci/services/postgres.sh with its own directory and port) it may stop or freeze.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { alive } from '../../src/coord/process-alive.js';
import { parseSettings, service } from './services.js';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../.ci/services/postgres.sh', import.meta.url));

export async function sharedPostgresUrl(): Promise<string> {
  const { DATABASE_URL } = await service('postgres', ['DATABASE_URL']);
  if (DATABASE_URL === undefined) throw new Error('.ci/services/postgres.sh printed no DATABASE_URL');
  return DATABASE_URL;
}

/** A table prefix no other test run uses, so suites can share one database. */
export const uniquePrefix = (): string => `gmp_t${randomBytes(5).toString('hex')}_`;

/** One statement on a connection of its own (to look at what a coordinator wrote). */
export async function query(url: string, text: string, values: unknown[] = []): Promise<Record<string, unknown>[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query(text, values)).rows;
  } finally {
    await c.end();
  }
}

/** Drops what a coordinator with this prefix created. */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  await query(url, `DROP TABLE IF EXISTS "${prefix}leases", "${prefix}values"`);
  await query(url, `DROP SEQUENCE IF EXISTS "${prefix}lease_token"`);
}

export interface PrivatePostgres {
  readonly url: string;
  readonly password: string;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** SIGSTOPs the server and its backends: it accepts TCP connections but never answers. Returns thaw. */
  freeze(): Promise<() => void>;
  destroy(): Promise<void>;
}

/** A server of the test's own (about 2 s to initdb and start), on a free port below the ephemeral range. */
export async function privatePostgres(): Promise<PrivatePostgres> {
  await reapOrphans();
  // The directory names its test process, so a later run can stop a server whose test was killed.
  const dir = await mkdtemp(path.join(tmpdir(), `gmp-pg-${process.pid}-`));
  const sh = control(dir, await freePort());
  const { DATABASE_URL: url } = parseSettings((await sh('start')).stdout);
  if (url === undefined) throw new Error('postgres.sh printed no DATABASE_URL');
  let frozen: number[] = [];
  const thaw = () => {
    for (const pid of frozen) process.kill(pid, 'SIGCONT');
    frozen = [];
  };
  return {
    url,
    password: new URL(url).password,
    stop: async () => void (await sh('stop')),
    start: async () => void (await sh('start')),
    freeze: async () => {
      frozen = await serverPids(dir);
      for (const p of frozen) process.kill(p, 'SIGSTOP');
      return thaw;
    },
    destroy: async () => {
      thaw();
      await sh('stop');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function control(dir: string, port?: number) {
  const env = { ...process.env, GMP_PG_DIR: dir, GMP_PG_PORT: String(port ?? 0) };
  return (cmd: string) => run('bash', [script, cmd], { env, timeout: 600_000 });
}

/** The postmaster and its children (backends, checkpointer, …). */
async function serverPids(dir: string): Promise<number[]> {
  const pid = Number((await readFile(path.join(dir, 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const children = await run('pgrep', ['-P', String(pid)]).then(
    ({ stdout }) => stdout,
    () => '',
  );
  return [pid, ...children.split('\n').filter(Boolean).map(Number)];
}

/** Private servers of test processes that died (killed by a timeout) would otherwise run, or stay frozen, forever. */
async function reapOrphans(): Promise<void> {
  for (const name of await readdir(tmpdir())) {
    const owner = /^gmp-pg-(\d+)-/.exec(name)?.[1];
    if (owner === undefined || alive(Number(owner))) continue;
    const dir = path.join(tmpdir(), name);
    for (const p of await serverPids(dir).catch(() => [])) alive(p) && process.kill(p, 'SIGCONT');
    await control(dir)('stop').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
}

async function freePort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 10_000);
    const free = await new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (free) return port;
  }
}
