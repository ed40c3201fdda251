// Reads a cached module zip where it is stored (a local file or an S3 object alike), with ranged reads of
// the BlobStore: the central directory for the file list, one entry for the LICENSE. Never the whole zip.
import { PassThrough } from 'node:stream';
import type { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { nextEntry } from '../modzip/zip-check.js';
import type { BlobStore } from '../storage/blob-store.js';

/** yauzl's random access over ranged BlobStore gets (end exclusive there, inclusive in the store). */
class BlobReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly store: BlobStore,
    private readonly key: string,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    const out = new PassThrough();
    if (end <= start) {
      out.end();
      return out;
    }
    this.store.get(this.key, { start, end: end - 1 }).then(
      (s) => (s === undefined ? out.destroy(new Error('the zip was removed from the cache')) : s.on('error', (e) => out.destroy(e)).pipe(out)),
      (err: unknown) => out.destroy(err as Error),
    );
    return out;
  }
}

export interface ZipFileInfo {
  /** Relative to the module root (the `module@version/` prefix removed). */
  readonly name: string;
  readonly size: number;
}

/** At most this many names are listed (a module zip may hold up to hundreds of thousands of files). */
export const MAX_LISTED_FILES = 5000;
/** The LICENSE shown is cut here. */
export const MAX_LICENSE_SHOWN = 256 * 1024;

async function open(store: BlobStore, key: string, size: number): Promise<ZipFile> {
  return yauzl.fromRandomAccessReaderPromise(new BlobReader(store, key), size, { lazyEntries: true, autoClose: false, validateEntrySizes: true });
}

async function eachEntry(store: BlobStore, key: string, size: number, visit: (zip: ZipFile, e: Entry) => Promise<boolean>): Promise<void> {
  const zip = await open(store, key, size);
  try {
    for (let e = await nextEntry(zip); e !== undefined; e = await nextEntry(zip)) if (!(await visit(zip, e))) return;
  } finally {
    zip.close();
  }
}

export async function listZip(store: BlobStore, key: string, size: number, prefix: string): Promise<{ files: ZipFileInfo[]; truncated: boolean }> {
  const files: ZipFileInfo[] = [];
  let truncated = false;
  await eachEntry(store, key, size, async (_zip, e) => {
    if (files.length >= MAX_LISTED_FILES) {
      truncated = true;
      return false;
    }
    const name = e.fileName.startsWith(prefix) ? e.fileName.slice(prefix.length) : e.fileName;
    if (!name.endsWith('/')) files.push({ name, size: e.uncompressedSize });
    return true;
  });
  return { files, truncated };
}

/** The module root's LICENSE (the file the go command and pkg.go.dev look at), cut to MAX_LICENSE_SHOWN bytes. */
export async function readLicense(store: BlobStore, key: string, size: number, prefix: string): Promise<Buffer | undefined> {
  let found: Buffer | undefined;
  await eachEntry(store, key, size, async (zip, e) => {
    if (e.fileName !== `${prefix}LICENSE`) return true;
    const stream = await zip.openReadStreamPromise(e);
    const chunks: Buffer[] = [];
    let n = 0;
    for await (const c of stream as AsyncIterable<Buffer>) {
      chunks.push(c);
      n += c.length;
      // Leaving the loop early destroys the stream: the rest is never inflated.
      if (n >= MAX_LICENSE_SHOWN) break;
    }
    found = Buffer.concat(chunks).subarray(0, MAX_LICENSE_SHOWN);
    return false;
  });
  return found;
}
