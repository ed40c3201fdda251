// The SSRF guard for direct mode: go-get discovery and the repositories it names must not lead gomodproxy
// to loopback, private, link-local or otherwise internal addresses unless the operator allows it.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { gmpError } from '../errors.js';

/** A host or URL the guard refused (maps to 404: the module is simply not reachable from here). */
export class BlockedAddressError extends Error {
  constructor(host: string, unresolved = false) {
    super(
      unresolved
        ? `cannot resolve host ${host}`
        : `refusing to contact ${host}: it resolves to a loopback, private or link-local address (direct.allowPrivateNetworks is off)`,
    );
    this.name = 'BlockedAddressError';
  }
}

function v4Private(ip: string): boolean {
  const [a = 0, b = 0] = ip.split('.').map(Number);
  return (
    a === 0 ||
    a === 10 ||
    a === 127 ||
    (a === 100 && b >= 64 && b <= 127) ||
    (a === 169 && b === 254) ||
    (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) ||
    (a === 198 && (b === 18 || b === 19)) ||
    a >= 224
  );
}

/** Whether an IP literal is not a public unicast address. */
export function isInternalAddress(ip: string): boolean {
  const kind = isIP(ip);
  if (kind === 4) return v4Private(ip);
  if (kind !== 6) return true;
  const v6 = ip.toLowerCase();
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  if (mapped !== null) return v4Private(mapped[1] as string);
  return v6 === '::' || v6 === '::1' || /^f[cd]/.test(v6) || /^fe[89ab]/.test(v6) || v6.startsWith('ff') || v6.startsWith('64:ff9b:');
}

/** What getaddrinfo answers for a name that has no address: the module's host does not exist. */
const NO_SUCH_NAME = new Set(['ENOTFOUND', 'ENODATA', 'EAI_NONAME', 'EAI_NODATA']);

/** Resolves a host name and refuses it when any of its addresses is internal (or when it does not resolve). */
export async function checkHost(host: string, allowPrivate: boolean, resolve: typeof lookup = lookup): Promise<void> {
  if (allowPrivate) return;
  const bare = host.replace(/^\[|\]$/g, '');
  if (isIP(bare) !== 0) {
    if (isInternalAddress(bare)) throw new BlockedAddressError(host);
    return;
  }
  if (bare === 'localhost' || bare.endsWith('.localhost')) throw new BlockedAddressError(host);
  const addrs = await resolve(bare, { all: true, verbatim: true }).catch((err: NodeJS.ErrnoException) => {
    // A name that does not exist (or has no address) is no module: 404. A resolver that failed this time
    // (EAI_AGAIN, a timeout) says nothing of the module: a 502 the chain retries, never a remembered 404.
    if (NO_SUCH_NAME.has(err.code ?? '')) return [];
    throw gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', `direct: cannot resolve host ${host} now (${err.code ?? err.message}): the DNS resolver failed`, err);
  });
  if (addrs.length === 0) throw new BlockedAddressError(host, true);
  if (addrs.some((a) => isInternalAddress(a.address))) throw new BlockedAddressError(host);
}

/** A lookup function for undici's connector that applies the guard at connect time (no DNS-rebinding gap). */
export function guardedLookup(allowPrivate: boolean) {
  return (
    hostname: string,
    options: object,
    cb: (err: Error | null, address: string | Array<{ address: string; family: number }>, family?: number) => void,
  ): void => {
    lookup(hostname, { all: true, verbatim: true }).then(
      (addrs) => {
        const bad = !allowPrivate && (addrs.length === 0 || addrs.some((a) => isInternalAddress(a.address)));
        if (bad) return cb(new BlockedAddressError(hostname), '', 4);
        if ((options as { all?: boolean }).all === true) return cb(null, addrs);
        const first = addrs[0] as { address: string; family: number };
        cb(null, first.address, first.family);
      },
      (err: Error) => cb(err, '', 4),
    );
  };
}
