// Sends a byte range of an open file as an HTTP response body with one reused buffer per response:
// read at an offset, write, wait until the kernel has the bytes, read the next chunk. No allocation per
// chunk and no garbage: the chunks of all responses in flight share one budget, whatever the file sizes.
import { read } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { SharedFd } from '../storage/fd-cache.js';

/** Buffer memory shared by all responses in flight: chunks shrink as concurrency grows. */
export const SEND_BUDGET = 16 << 20;
export const MIN_CHUNK = 16 << 10;
const MAX_CHUNK = 256 << 10;
/** A lone download reads in bigger chunks (fewer round trips); only a few may, so the budget holds. */
const LONE_CHUNK = 1 << 20;
const LONE_MAX = 4;

let inFlight = 0;
/** Bytes of the chunk buffers that responses in flight hold. */
let held = 0;

/** Responses currently being sent (for tests and metrics). */
export function filesInFlight(): number {
  return inFlight;
}

/** Bytes of chunk buffers held by the responses being sent (for tests). */
export function chunkBytesInFlight(): number {
  return held;
}

/** Bytes of chunk buffers allocated so far, rather than taken from the pool (for tests). */
let allocated = 0;
export function chunkBytesAllocated(): number {
  return allocated;
}

/**
 * A response's chunk size, a power of two: its share of the budget among `responses` (itself included), and
 * no more than what the budget has left beside the `others` bytes the other responses hold. Responses that
 * started when few were in flight give back their bigger chunks at their next step, so that a burst of new
 * responses (a herd released by one fill) cannot take the budget many times over.
 */
function chunkSize(length: number, responses: number, others: number): number {
  const share = responses <= LONE_MAX ? LONE_CHUNK : Math.max(MIN_CHUNK, Math.min(MAX_CHUNK, SEND_BUDGET / responses));
  const want = Math.min(share, Math.max(MIN_CHUNK, SEND_BUDGET - others));
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
  if (b === undefined) {
    allocated += size;
    return Buffer.allocUnsafeSlow(size);
  }
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
  inFlight++;
  // Taken at the first step: see below.
  let buf: Buffer | undefined;
  let pos = start;
  let done = false;
  const finish = (err?: Error) => {
    if (done) return;
    done = true;
    inFlight--;
    if (buf !== undefined) held -= buf.length;
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
      if (buf !== undefined) giveBack(buf);
      return finish();
    }
    // Between a write's end and the next read the buffer is free. A response only ever gives up chunk
    // size (when more responses came): growing as others finish would take a new buffer at every size on
    // the way up, and the pool could not keep them.
    const fair = chunkSize(length, inFlight, held - (buf?.length ?? 0));
    if (buf === undefined || fair < buf.length) {
      if (buf !== undefined) {
        held -= buf.length;
        giveBack(buf);
      }
      buf = takeBuffer(fair);
      held += buf.length;
    }
    const chunk = buf;
    read(fd, chunk, 0, Math.min(chunk.length, end - pos + 1), pos, (err, n) => {
      if (err !== null) return finish(err);
      if (n === 0) return finish(new Error('file ended before its stated size'));
      pos += n;
      res.write(n === chunk.length ? chunk : chunk.subarray(0, n), (werr) => (werr == null ? step() : finish(werr)));
    });
  };
  // The first chunk waits for the next turn of the event loop: the responses that one fill releases at
  // once are all counted before any of them takes its share, so they take equal shares and the buffers
  // they give back fit the ones that come next.
  setImmediate(step);
}
