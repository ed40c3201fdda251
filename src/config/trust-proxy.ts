// --trust-proxy: the reverse proxies whose X-Forwarded-For names the client. Behind nginx every request comes
// from nginx's address, so without this the failed-login limit counts every client as one (ten bad tokens from
// anyone locked out every token not seen valid lately) and the audit log names nginx as every client.
import { isIP } from 'node:net';

/** proxy-addr's named ranges, as Fastify's trustProxy takes them. */
const NAMED = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * The value for Fastify's `trustProxy`: `false` for `off`, else the comma-separated list itself. Throws a
 * message naming the entry when one is neither a named range nor an address with an optional prefix length.
 */
export function parseTrustProxy(v: string): false | string {
  const s = v.trim();
  if (s === 'off') return false;
  const entries = s.split(',').map((e) => e.trim());
  for (const e of entries) {
    if (NAMED.has(e)) continue;
    const [addr = '', bits, extra] = e.split('/');
    const family = isIP(addr);
    const max = family === 4 ? 32 : 128;
    const badBits = bits !== undefined && (!/^\d{1,3}$/.test(bits) || Number(bits) > max);
    if (family === 0 || badBits || extra !== undefined)
      throw new Error(`${JSON.stringify(e)} is not loopback, linklocal, uniquelocal, an IP address or an address/prefix (e.g. 10.0.0.0/8); or say off`);
  }
  return entries.join(',');
}
