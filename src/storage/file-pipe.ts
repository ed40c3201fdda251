// Streaming into a new local file, where a failure is either the source's (an upstream body, a bundle entry) or
// the file's own (our disk: full, out of descriptors). Both callers must tell them apart, and must not clean up
// before the file is closed: a file still opening when the source fails would be created after its removal.
import { createWriteStream } from 'node:fs';
import type { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { localIoError } from '../errors.js';

/**
 * Pipes `source` through `transforms` into `file`. On failure it waits until the file is closed, then throws the
 * file's own failure as localIoError(…, what) and any other as it came (the pipeline also destroys the file with
 * the source's error, so an error is the file's own only when no stream before it failed with it first).
 */
export async function pipeIntoFile(file: string, what: string, source: Readable, ...transforms: Transform[]): Promise<void> {
  const upstream = new Set<unknown>();
  for (const s of [source, ...transforms]) s.on('error', (err) => upstream.add(err));
  const out = createWriteStream(file);
  let own: unknown;
  out.once('error', (err) => {
    if (!upstream.has(err)) own = err;
  });
  try {
    await pipeline([source, ...transforms, out]);
  } catch (err) {
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    throw own !== undefined ? localIoError(own, what) : err;
  }
}
