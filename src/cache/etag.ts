// Strong validators for cached bodies: a truncated SHA-256 of the exact bytes served.
import { createHash } from 'node:crypto';

export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
