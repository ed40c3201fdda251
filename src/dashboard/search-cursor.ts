// The module search's cursor as the API hands it out: the store position it resumes at, sealed (AES-256-GCM)
// with a key every process of the server shares. The position may be a key of a module the asker may not read
// (a search that runs out of listings among private modules stops there), so it is never shown in the clear;
// and a cursor the proxy did not make, or one altered, is refused rather than listed from.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { gmpError } from '../errors.js';

/** The shared 32-byte key, fetched once (from the coordinator, by the composition root). */
export type CursorKey = () => Promise<Buffer>;

/** Where a search resumes: after `after` in the store's listing, for the escaped prefix `prefix`. */
export interface SearchPosition {
  readonly prefix: string;
  readonly after: string;
}

const VERSION = 1;
const IV = 12;
const TAG = 16;
/** Plaintexts are padded to a multiple of this, so a cursor's length says little about the name inside. */
const BLOCK = 128;
/** Longer than any cursor this proxy makes (store keys are at most a few hundred bytes). */
const MAX_TEXT = 4096;
const AAD = Buffer.from('gomodproxy module search cursor');

const refused = () =>
  gmpError(
    'GMP_ERR_REQUEST_INVALID',
    'bad request: the cursor is not one this proxy handed out (altered, cut, or from another server); search again without it',
  );

export function sealCursor(key: Buffer, pos: SearchPosition): string {
  const json = JSON.stringify({ p: pos.prefix, a: pos.after });
  const plain = Buffer.from(json.padEnd(Math.ceil((json.length + 1) / BLOCK) * BLOCK, ' '));
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(AAD);
  const sealed = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.of(VERSION), iv, sealed, cipher.getAuthTag()]).toString('base64url');
}

/** The position inside a cursor; a 400 for anything this proxy did not seal, or sealed for another prefix. */
export function openCursor(key: Buffer, text: string, prefix: string): SearchPosition {
  if (text.length > MAX_TEXT || !/^[A-Za-z0-9_-]+$/.test(text)) throw refused();
  const raw = Buffer.from(text, 'base64url');
  if (raw.length < 1 + IV + TAG + 1 || raw[0] !== VERSION) throw refused();
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(1, 1 + IV));
  decipher.setAAD(AAD);
  decipher.setAuthTag(raw.subarray(raw.length - TAG));
  let plain: string;
  try {
    plain = Buffer.concat([decipher.update(raw.subarray(1 + IV, raw.length - TAG)), decipher.final()]).toString('utf8');
  } catch {
    throw refused();
  }
  const pos = JSON.parse(plain) as { p?: unknown; a?: unknown };
  if (typeof pos.p !== 'string' || typeof pos.a !== 'string') throw refused();
  if (pos.p !== prefix)
    throw gmpError('GMP_ERR_REQUEST_INVALID', 'bad request: the cursor belongs to a search with another prefix (q); pass the q it came with');
  return { prefix: pos.p, after: pos.a };
}
