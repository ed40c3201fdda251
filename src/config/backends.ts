// The shared backends of a deployment as settings: where blobs live (--storage) and what processes agree
// through (--coordinator). Parsed once here; messages never repeat a coordinator URL (it may hold a password).
import path from 'node:path';
import { parseRedisUrl } from '../coord/redis-url.js';
import { parseS3Url } from '../storage/s3-client.js';

export type StorageSpec = { readonly kind: 'data' } | { readonly kind: 'fs'; readonly dir: string } | { readonly kind: 's3'; readonly url: string };

export type CoordinatorSpec =
  | { readonly kind: 'local' }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'redis'; readonly url: string };

/** '' (the cache under --data, today's layout), `fs:DIR` or `s3://BUCKET[/PREFIX]`. */
export function parseStorage(v: string): StorageSpec {
  if (v === '') return { kind: 'data' };
  if (v.startsWith('fs:')) {
    const dir = v.slice(3);
    if (dir === '') throw new Error('fs: needs a directory (fs:DIR)');
    return { kind: 'fs', dir: path.resolve(dir) };
  }
  if (v.startsWith('s3://')) {
    parseS3Url(v);
    return { kind: 's3', url: v.replace(/\/+$/, '') };
  }
  throw new Error('must be fs:DIR or s3://BUCKET[/PREFIX]');
}

/** `local`, `postgres://USER:PASS@HOST[:PORT]/DB` (or postgresql://) or `redis://[USER:PASS@]HOST[:PORT][/DB]` (or rediss://). */
export function parseCoordinator(v: string): CoordinatorSpec {
  if (v === 'local') return { kind: 'local' };
  const scheme = /^([a-z]+):\/\//.exec(v)?.[1];
  if (scheme === 'postgres' || scheme === 'postgresql') {
    let host = '';
    try {
      host = new URL(v).hostname;
    } catch {
      // reported below, without the text
    }
    if (host === '') throw new Error('not a valid PostgreSQL URL (expected postgres://USER:PASS@HOST[:PORT]/DB)');
    return { kind: 'postgres', url: v };
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    parseRedisUrl(v);
    return { kind: 'redis', url: v };
  }
  throw new Error('must be local, postgres://USER:PASS@HOST[:PORT]/DB or redis://[USER:PASS@]HOST[:PORT][/DB]');
}

/** The coordinator setting without its password, for `config check` and logs. */
export function redactCoordinator(v: string): string {
  try {
    const u = new URL(v);
    if (u.password === '') return v;
    u.password = '***';
    return u.toString();
  } catch {
    return v === 'local' ? v : '<redacted>';
  }
}
