// Sends a byte range of an open file as an HTTP response body with one reused buffer per response:
// read at an offset, write, wait until the kernel has the bytes, read the next chunk. No allocation per
// chunk and no garbage, so memory is exactly chunk × responses in flight, whatever the file size.
import { read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { SharedFd } from '../storage/fd-cache.js';

/** Buffer memory shared by all responses in flight: chunks shrink as concurrency grows. */
const BUDGET = 16 << 20;
const MIN_CHUNK = 16 << 10;
const MAX_CHUNK = 256 << 10;
/** A lone download reads in bigger chunks (fewer round trips); only a few may, so the budget holds. */
const LONE_CHUNK = 1 << 20;
const LONE_MAX = 4;

let inFlight = 0;

/** Responses currently being sent (for tests and metrics). */
export function filesInFlight(): number {
  return inFlight;
}

/** Power-of-two chunk sizes, so that buffers can be pooled by size. */
function chunkSize(length: number): number {
  const want = inFlight < LONE_MAX ? LONE_CHUNK : Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, BUDGET / (inFlight + 1)));
  let size = MIN_CHUNK;
  while (size * 2 <= want && size < length) size *= 2;
  return size;
}

/**
 * Buffers of finished responses, by size, for the next ones: a fresh buffer costs page faults on every
 * first touch (a 1 MiB buffer per download is measurable). At most POOL_BYTES are kept.
 */
const POOL_BYTES = 8 << 20;
const pool = new Map<number, Buffer[]>();
let pooled = 0;

function takeBuffer(size: number): Buffer {
  const b = pool.get(size)?.pop();
  if (b === undefined) return Buffer.allocUnsafeSlow(size);
  pooled -= size;
  return b;
}

function giveBack(b: Buffer): void {
  if (pooled + b.length > POOL_BYTES) return;
  pooled += b.length;
  const list = pool.get(b.length);
  if (list === undefined) pool.set(b.length, [b]);
  else list.push(b);
}

/** Writes bytes [start, end] of the file to `res` and ends it; always releases the file. Headers must be set. */
export function sendFile(file: SharedFd, start: number, end: number, res: ServerResponse): void {
  const { fd } = file;
  const length = end - start + 1;
  if (length <= 0) {
    file.release();
    res.end();
    return;
  }
  const buf = takeBuffer(chunkSize(length));
  inFlight++;
  let pos = start;
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    inFlight--;
    file.release();
    if (err !== undefined) res.destroy(err);
  };
  // The client went away (or the response completed): stop reading.
  res.once('close', () => finish());
  const step = (): void => {
    if (res.destroyed) return finish();
    if (pos > end) {
      res.end();
      // Only here is no read or write using the buffer; an aborted response leaves its buffer to the GC.
      giveBack(buf);
      return finish();
    }
    read(fd, buf, 0, Math.min(buf.length, end - pos + 1), pos, (err, n) => {
      if (err !== null) return finish(err);
      if (n === 0) return finish(new Error('file ended before its stated size'));
      pos += n;
      res.write(n === buf.length ? buf : buf.subarray(0, n), (werr) => (werr == null ? step() : finish(werr)));
    });
  };
  step();
}
