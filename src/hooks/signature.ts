// Who may call POST /hooks/refresh: a sender that knows the shared secret, proven by an HMAC-SHA256 of the
// body (X-Hub-Signature-256: sha256=…, as GitHub, Gitea and Forgejo send it) or by the secret itself
// (X-Gitlab-Token as GitLab sends it, or Authorization: Bearer). Comparisons take constant time; the secret
// never leaves this file.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export type Verdict = 'ok' | 'missing' | 'bad';

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

/** Equal in constant time whatever the lengths (both sides are hashed first). */
function same(a: string | Buffer, b: string | Buffer): boolean {
  return timingSafeEqual(createHash('sha256').update(a).digest(), createHash('sha256').update(b).digest());
}

export function verifySender(secret: string, headers: IncomingHttpHeaders, body: Buffer): Verdict {
  const signature = one(headers['x-hub-signature-256']);
  const token = one(headers['x-gitlab-token']) ?? /^Bearer\s+(.+)$/i.exec(one(headers.authorization) ?? '')?.[1];
  if (signature === undefined && token === undefined) return 'missing';
  if (signature !== undefined) {
    const hex = /^sha256=([0-9a-f]{64})$/i.exec(signature.trim())?.[1];
    if (hex === undefined) return 'bad';
    const expected = createHmac('sha256', secret).update(body).digest();
    if (!same(Buffer.from(hex.toLowerCase(), 'hex'), expected)) return 'bad';
  }
  if (token !== undefined && !same(token.trim(), secret)) return 'bad';
  return 'ok';
}
