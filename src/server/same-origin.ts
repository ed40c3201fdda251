// Whether a request that changes something came from a page of this server's own origin, or from a client
// that names none (the go command, the CLI, curl). Browsers name the page's origin in `Origin` on every
// cross-origin POST, PUT and DELETE (and `Sec-Fetch-Site` on the rest), also on the ones they send without a
// CORS preflight (a form, fetch in no-cors mode), whose answer the page never needs to read: the server has
// to refuse those itself. Asked by the dashboard's admin changes and by bundle imports.
import type { FastifyRequest } from 'fastify';

/** A request a browser sent from another site's page names that site in Origin; ours match the Host. */
export function sameOrigin(req: FastifyRequest): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return req.headers['sec-fetch-site'] === undefined || req.headers['sec-fetch-site'] === 'same-origin';
  try {
    // Both as a URL of the origin's scheme reads them: `Host: Name:80` is the origin http://name.
    const o = new URL(origin);
    return req.headers.host !== undefined && new URL(`${o.protocol}//${req.headers.host}`).host === o.host;
  } catch {
    return false;
  }
}
