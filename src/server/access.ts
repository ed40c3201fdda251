// What a request needs in order to be served, by path: nothing (health), reading a module (protected when
// the module is private), reading what only a token may see, publishing a module, or administration. The
// auth hook (auth-hook.ts) decides from this; routes added later declare their needs in `routes`.
import { unescapePath } from '../protocol/escape.js';
import { decodePath } from '../protocol/request.js';
import { parseLookupTarget } from '../sumdb/lookup-path.js';
import { parseCached } from './goproxy-routes.js';

export type Need =
  | { readonly kind: 'open' }
  /** module: the module read, when the path names one; private: protected under --auth private. */
  | { readonly kind: 'read'; readonly module?: string; readonly private: boolean }
  /**
   * Served to anyone (under --auth all: to any token), with the caller's token checked when one is sent, so the
   * route can leave out what the caller may not read (`req.access.canRead`): a feed of every module, say.
   */
  | { readonly kind: 'filtered' }
  | { readonly kind: 'publish'; readonly module: string }
  | { readonly kind: 'admin' };

export interface AccessRoute {
  /** A path prefix, e.g. `/api/`; with `exact`, the whole path (`/index`, which module paths like `index.example.com/…` also start with). */
  readonly prefix: string;
  readonly exact?: boolean;
  readonly need: Need;
}

export interface AccessOptions {
  readonly isPrivate: (modulePath: string) => boolean;
  /** The own checksum database: its data tiles hold the records of private modules. */
  readonly ownSumdb?: { readonly name: string; readonly base: string };
  /** Needs of routes other features add (checked before the built-in ones). */
  readonly routes?: readonly AccessRoute[];
}

const OPEN: Need = { kind: 'open' };
const PUBLIC_READ: Need = { kind: 'read', private: false };
const ADMIN: Need = { kind: 'admin' };

export class Access {
  /** Whether each module path is private, remembered: glob matching is the costly part of a public hit. */
  private readonly privacy = new Map<string, boolean>();

  constructor(private readonly options: AccessOptions) {}

  classify(method: string, url: string): Need {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (path === '/healthz' || path === '/readyz') return OPEN;
    if (path === '/metrics') return PUBLIC_READ;
    for (const r of this.options.routes ?? []) if (r.exact === true ? path === r.prefix : path.startsWith(r.prefix)) return r.need;
    if (path.startsWith('/sumdb/')) return this.sumdb(path.slice('/sumdb/'.length), true);
    const own = this.options.ownSumdb;
    if (own !== undefined && path.startsWith(`${own.base}/`)) return this.sumdb(path.slice(own.base.length + 1), false);
    let module: string;
    try {
      module = parseCached(url).module;
    } catch {
      // Malformed or unknown paths are answered by the routes (400/404), which reveal nothing.
      return method === 'GET' || method === 'HEAD' ? PUBLIC_READ : (invalidUpload(path) ?? ADMIN);
    }
    if (method !== 'GET' && method !== 'HEAD') return { kind: 'publish', module };
    return { kind: 'read', module, private: this.isPrivate(module) };
  }

  isPrivate(module: string): boolean {
    let p = this.privacy.get(module);
    if (p === undefined) {
      p = this.options.isPrivate(module);
      if (this.privacy.size >= 10_000) this.privacy.clear();
      this.privacy.set(module, p);
    }
    return p;
  }

  /**
   * raw: the path after `/sumdb/` (named: it starts with the database name) or after the own base, as received.
   * It is percent-decoded segment by segment first, as the route decodes it (`sumdb-routes.ts`), so that
   * `%6cookup/…` or `%74ile/…/data/…` is classified as the lookup or data tile the route serves.
   */
  private sumdb(raw: string, named: boolean): Need {
    let rest: string;
    try {
      rest = decodePath(raw);
    } catch {
      // answered 400 by the route
      return PUBLIC_READ;
    }
    const own = this.options.ownSumdb;
    let db = '';
    if (named) {
      const known = own !== undefined && rest.startsWith(`${own.name}/`) ? own.name : undefined;
      db = known ?? rest.slice(0, Math.max(0, rest.indexOf('/')));
      rest = rest.slice(db.length + 1);
    } else db = own?.name ?? '';
    if (rest.startsWith('lookup/')) {
      const target = parseLookupTarget(rest.slice('lookup/'.length));
      return target === null ? PUBLIC_READ : { kind: 'read', module: target.path, private: this.isPrivate(target.path) };
    }
    // Data tiles hold whole records (module paths included): those of the own database may name private modules.
    if (own !== undefined && db === own.name && /^tile\/\d+\/data\//.test(rest)) return ADMIN;
    return PUBLIC_READ;
  }
}

/**
 * An upload to a valid module path whose version or file name is wrong (`…/@v/v2.0.0.zip` on a path without /v2):
 * it needs the publish scope of that module, so that a publisher hears the route's 400 saying what is wrong
 * rather than a 403 asking for an admin token.
 */
function invalidUpload(path: string): Need | undefined {
  const at = path.lastIndexOf('/@v/');
  if (at <= 1) return undefined;
  try {
    return { kind: 'publish', module: unescapePath(decodePath(path.slice(1, at))) };
  } catch {
    return undefined;
  }
}
