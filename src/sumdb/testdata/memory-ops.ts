// In-memory ClientOps for tests: a switchable remote (a ServerLog), config with compare-and-swap, a cache,
// and logs of what was fetched, cached and reported, like the ops in gen-vectors/sumdb.go.
import { createHash } from 'node:crypto';
import { WriteConflictError } from '../client-ops.js';
import type { ClientOps } from '../client-ops.js';
import { serveSumdbPath } from '../server-dispatch.js';
import type { ServerLog } from '../server-log.js';

export class MemoryOps implements ClientOps {
  remote: ServerLog;
  /** Lets a test change or fail what the server sends. */
  intercept: ((path: string, body: () => Promise<Buffer>) => Promise<Buffer>) | undefined;
  readonly config = new Map<string, Buffer>();
  cache = new Map<string, Buffer>();
  reads: string[] = [];
  writes: string[] = [];
  readonly security: string[] = [];
  readonly logs: string[] = [];

  constructor(remote: ServerLog, verifierKey: string) {
    this.remote = remote;
    this.config.set('key', Buffer.from(verifierKey));
  }

  async readRemote(path: string): Promise<Buffer> {
    this.reads.push(path);
    const body = async () => (await serveSumdbPath(this.remote, path)).body;
    return this.intercept === undefined ? body() : this.intercept(path, body);
  }

  async readConfig(file: string): Promise<Buffer> {
    return this.config.get(file) ?? Buffer.alloc(0);
  }

  async writeConfig(file: string, old: Buffer, next: Buffer): Promise<void> {
    if (!(this.config.get(file) ?? Buffer.alloc(0)).equals(old)) throw new WriteConflictError();
    this.config.set(file, next);
  }

  async readCache(file: string): Promise<Buffer> {
    const data = this.cache.get(file);
    if (data === undefined) throw new Error(`no ${file}`);
    return data;
  }

  async writeCache(file: string, data: Buffer): Promise<void> {
    this.writes.push(file);
    this.cache.set(file, data);
  }

  log(msg: string): void {
    this.logs.push(msg);
  }

  securityError(msg: string): void {
    this.security.push(msg);
  }

  /** The fetches and cache writes since the last call, sorted (Go fetches tiles in parallel). */
  take(): { reads: string[]; writes: string[] } {
    const out = { reads: [...this.reads].sort(), writes: [...this.writes].sort() };
    this.reads = [];
    this.writes = [];
    return out;
  }
}

/** The deterministic go.sum lines gen-vectors/sumdb.go serves for any path@version. */
export async function gosum(path: string, version: string): Promise<Buffer> {
  const h = (s: string) => createHash('sha256').update(s).digest('base64');
  const at = `${path}@${version}`;
  return Buffer.from(`${path} ${version} h1:${h(at)}\n${path} ${version}/go.mod h1:${h(`${at}/go.mod`)}\n`);
}
