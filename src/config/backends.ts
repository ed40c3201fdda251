// The shared backends of a deployment as settings: where blobs live (--storage) and what processes agree
// through (--coordinator). Their shape is checked here; the backends check the rest when they open (bucket
// name rules, a Redis database number). Messages never repeat a coordinator URL (it may hold a password).
import path from 'node:path';

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
    if (!/^s3:\/\/[^/?#]+(\/[^?#]*)?$/.test(v)) throw new Error('expected s3://BUCKET[/PREFIX]');
    return { kind: 's3', url: v.replace(/\/+$/, '') };
  }
  throw new Error('must be fs:DIR or s3://BUCKET[/PREFIX]');
}

/** `local`, `postgres://USER:PASS@HOST[:PORT]/DB` (or postgresql://) or `redis://[USER:PASS@]HOST[:PORT][/DB]` (or rediss://). */
export function parseCoordinator(v: string): CoordinatorSpec {
  if (v === 'local') return { kind: 'local' };
  const scheme = /^([a-z]+):\/\//.exec(v)?.[1];
  if (scheme === 'postgres' || scheme === 'postgresql') {
    if (hostOf(v) === '') throw new Error('not a valid PostgreSQL URL (expected postgres://USER:PASS@HOST[:PORT]/DB)');
    return { kind: 'postgres', url: v };
  }
  if (scheme === 'redis' || scheme === 'rediss') {
    if (hostOf(v) === '') throw new Error('not a valid Redis URL (expected redis://[USER:PASS@]HOST[:PORT][/DB])');
    return { kind: 'redis', url: v };
  }
  throw new Error('must be local, postgres://USER:PASS@HOST[:PORT]/DB or redis://[USER:PASS@]HOST[:PORT][/DB]');
}

/** The host of a URL, or '' when it is not one (never echoing the text: it may hold a password). */
function hostOf(v: string): string {
  try {
    return new URL(v).hostname;
  } catch {
    return '';
  }
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
