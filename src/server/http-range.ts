// Single-range `Range: bytes=…` parsing for zip downloads (RFC 9110 §14). Multi-range requests are
// answered with the whole body, which the RFC allows.
import type { ByteRange } from '../storage/blob-store.js';

export type RangeResult = ByteRange | 'unsatisfiable' | undefined;

export function parseRange(header: string | undefined, size: number): RangeResult {
  if (header === undefined) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (m === null) return undefined;
  const [, a = '', b = ''] = m;
  if (a === '' && b === '') return undefined;
  if (a === '') {
    const suffix = Number(b);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size) return 'unsatisfiable';
  if (end < start) return undefined;
  return { start, end };
}

/**
 * If-Range (RFC 9110 §13.1.5): the Range applies only when the validator is an ETag that matches the
 * current one by strong comparison. A weak tag never does, and a date cannot, since zips are served
 * without Last-Modified; then the whole body is sent with 200.
 */
export function ifRangeAllows(header: string | string[] | undefined, etag: string): boolean {
  if (header === undefined) return true;
  // Repeated If-Range headers are malformed: the safe reading is "send everything".
  return typeof header === 'string' && header.trim() === etag && !etag.startsWith('W/');
}
