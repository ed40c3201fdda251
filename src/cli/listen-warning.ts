// The start-up warning for a proxy that other machines can reach: an open GOPROXY lets anyone fetch
// through this server's upstreams and credentials, so leaving loopback must be a visible choice.
import { isIP } from 'node:net';
import type { Logger } from 'pino';

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return h === '::1';
}

/** The warning for a listen host, or undefined for loopback. */
export function exposureWarning(host: string): string | undefined {
  if (isLoopbackHost(host)) return undefined;
  const where = host === '' || host === '0.0.0.0' || host === '::' ? 'on all interfaces' : `on ${host}`;
  return (
    `listening ${where}: other machines can reach this proxy and fetch through its upstreams and credentials; ` +
    'use --listen 127.0.0.1:PORT for this machine only, or restrict access with a firewall or a reverse proxy'
  );
}

export function warnIfExposed(log: Logger, host: string): void {
  const warning = exposureWarning(host);
  if (warning !== undefined) log.warn({ host }, warning);
}
