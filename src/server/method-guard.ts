// Which HTTP methods a path accepts: GET and HEAD everywhere, plus what later features allow-list by
// path prefix. Checked in onRequest, so other methods get 405 before any body is read or route runs.

export interface MethodAllowance {
  /** An upper-case method token, e.g. `POST`. */
  readonly method: string;
  /** The request paths it applies to, e.g. `/admin/`. */
  readonly pathPrefix: string;
}

export const READ_METHODS: readonly string[] = ['GET', 'HEAD'];

export class MethodGuard {
  constructor(private readonly extra: readonly MethodAllowance[] = []) {}

  /** The methods `url` accepts, for the Allow header of a 405. */
  allowed(url: string): string[] {
    if (this.extra.length === 0) return [...READ_METHODS];
    const path = url.split('?')[0] ?? '';
    const more = this.extra.filter((a) => path.startsWith(a.pathPrefix)).map((a) => a.method);
    return [...new Set([...READ_METHODS, ...more])];
  }

  accepts(method: string, url: string): boolean {
    // The hot path: reads need no allow-list lookup.
    if (method === 'GET' || method === 'HEAD') return true;
    return this.extra.some((a) => a.method === method && (url.split('?')[0] ?? '').startsWith(a.pathPrefix));
  }
}

export function methodNotAllowedMessage(method: string, allowed: readonly string[]): string {
  const last = allowed.at(-1);
  const list = allowed.length > 1 ? `${allowed.slice(0, -1).join(', ')} or ${last}` : (last ?? 'GET');
  return `method ${method} not allowed: use ${list}`;
}
