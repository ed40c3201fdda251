// Validates a module zip on disk the way the go command does before using it (x/mod/zip checkZip, digest §5.4)
// and computes its go.sum h1 (dirhash.HashZip, §6) in the same streaming pass. Never buffers the whole zip.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import { crc32, inflateRawSync } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { goQuote } from '../protocol/go-quote.js';
import { Reclaimer } from '../reclaim.js';
import { canonicalVersion, check, checkFilePath } from '../protocol/module-path.js';
import { CollisionChecker } from './case-fold.js';
import { hash1, hashGoMod } from './dirhash.js';
import { openInMemory } from './memory-reader.js';
import type { HashedFile } from './dirhash.js';
import { baseName, cleanPath, isGoModName } from './path-clean.js';
import { centralDirectory, centralHeaderSize, descriptorCrc } from './zip-geometry.js';
import type { ReadAt } from './zip-geometry.js';

export const MAX_ZIP_FILE = 524288000;
export const MAX_GO_MOD = 16777216;
export const MAX_LICENSE = 16777216;

/** A module zip the go command would refuse; the message names the offending entry. */
export class ModZipError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModZipError';
  }
}

export interface ZipCheckResult {
  h1: string;
  entries: number;
  uncompressedSize: number;
  /** h1 of the root go.mod (as a .mod file), when the zip has one. */
  goModH1?: string;
  /** The root go.mod's bytes, when the zip has one. */
  goMod?: Buffer;
  /** The whole zip, when it was checked in memory (small zips). */
  data?: Buffer;
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Checks an entry's name and declared size in Go's order; returns whether it is the root go.mod. */
class EntryRules {
  private readonly collisions = new CollisionChecker();
  totalSize = 0;

  constructor(private readonly prefix: string) {}

  check(entryName: string, size: number): boolean {
    const fail = (reason: string): never => {
      throw new ModZipError(`${entryName}: ${reason}`);
    };
    if (!entryName.startsWith(this.prefix)) fail(`path does not have prefix ${goQuote(this.prefix)}`);
    let name = entryName.slice(this.prefix.length);
    if (name === '') return false;
    const isDir = name.endsWith('/');
    if (isDir) name = name.slice(0, -1);
    if (cleanPath(name) !== name) fail('file path is not clean');
    const fileErr = checkFilePath(name);
    if (fileErr !== undefined) fail(fileErr);
    const clash = this.collisions.check(name, isDir);
    if (clash !== undefined) fail(clash);
    if (isDir) return false;
    const base = baseName(name);
    if (isGoModName(base)) {
      if (base !== name) fail('go.mod file not in module root directory');
      if (name !== 'go.mod') fail('go.mod files must have lowercase names');
    }
    if (MAX_ZIP_FILE - this.totalSize < size) {
      fail(`total uncompressed size of module contents too large (max size is ${MAX_ZIP_FILE} bytes)`);
    }
    this.totalSize += size;
    if (name === 'go.mod' && size > MAX_GO_MOD) fail(`go.mod file too large (max size is ${MAX_GO_MOD} bytes)`);
    if (name === 'LICENSE' && size > MAX_LICENSE) fail(`LICENSE file too large (max size is ${MAX_LICENSE} bytes)`);
    return name === 'go.mod';
  }
}

/** Zips up to this size are read whole and checked from memory: one read instead of several per entry. */
const IN_MEMORY_ZIP = 4 << 20;

/** The zip opened with yauzl, and a way to read its raw bytes (for the end records yauzl keeps to itself). */
async function openZip(file: string, size: number, bytes?: Buffer): Promise<{ zip: ZipFile; readAt: ReadAt; close: () => Promise<void>; data?: Buffer }> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
  if (size <= IN_MEMORY_ZIP) {
    const data = bytes ?? (await readFile(file));
    const zip = await openInMemory(data, options);
    return { zip, readAt: async (at, length) => (at < 0 ? Buffer.alloc(0) : data.subarray(at, at + length)), close: async () => {}, data };
  }
  const zip = await new Promise<ZipFile>((resolve, reject) => yauzl.open(file, options, (err, z) => (err ? reject(err) : resolve(z))));
  const fh = await open(file, 'r');
  const readAt: ReadAt = async (at, length) => {
    if (at < 0) return Buffer.alloc(0);
    const b = Buffer.alloc(length);
    return b.subarray(0, (await fh.read(b, 0, length, at)).bytesRead);
  };
  return { zip, readAt, close: () => fh.close() };
}

/** The next central-directory entry, or undefined at the end. */
export function nextEntry(zip: ZipFile): Promise<Entry | undefined> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      zip.off('entry', onEntry).off('end', onEnd).off('error', onError);
    };
    const onEntry = (e: Entry): void => {
      done();
      resolve(e);
    };
    const onEnd = (): void => {
      done();
      resolve(undefined);
    };
    const onError = (err: Error): void => {
      done();
      reject(err);
    };
    zip.on('entry', onEntry).on('end', onEnd).on('error', onError);
    zip.readEntry();
  });
}

/**
 * Entries up to this size of a zip held in memory are inflated in one synchronous call: yauzl's streams cost
 * several event-loop turns per entry, and under load a turn takes tens of milliseconds (a fill of an 8 KiB
 * zip measured 1.4 s in the check alone). Larger entries stream, so memory stays bounded whatever a zip declares.
 */
const SYNC_ENTRY = 1 << 20;

/** An entry's content from a zip held in memory, with the checks yauzl's openReadStream makes. */
function contentInMemory(data: Buffer, entry: Entry): Buffer {
  if ((entry.generalPurposeBitFlag & 0x1) !== 0) throw new Error('entry is encrypted, and options.decodeFileData !== false');
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) throw new Error(`unsupported compression method: ${entry.compressionMethod}`);
  const at = entry.relativeOffsetOfLocalHeader;
  if (at + 30 > data.length) throw new Error('unexpected EOF');
  const signature = data.readUInt32LE(at);
  if (signature !== 0x04034b50) throw new Error(`invalid local file header signature: 0x${signature.toString(16)}`);
  const start = at + 30 + data.readUInt16LE(at + 26) + data.readUInt16LE(at + 28);
  if (start + entry.compressedSize > data.length) {
    throw new Error(`file data overflows file bounds: ${start} + ${entry.compressedSize} > ${data.length}`);
  }
  const raw = data.subarray(start, start + entry.compressedSize);
  // Stored: yauzl already refused a compressed size other than the uncompressed one when it read the entry.
  if (entry.compressionMethod === 0) return raw;
  let content: Buffer;
  try {
    content = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new Error(`too many bytes in the stream. expected ${entry.uncompressedSize}`);
    }
    throw err;
  }
  if (content.length > entry.uncompressedSize)
    throw new Error(`too many bytes in the stream. expected ${entry.uncompressedSize}. got at least ${content.length}`);
  if (content.length < entry.uncompressedSize)
    throw new Error(`not enough bytes in the stream. expected ${entry.uncompressedSize}. got only ${content.length}`);
  return content;
}

/** Streams one entry's content through SHA-256 and CRC-32 (Go's reader verifies the CRC), keeping it if asked. */
async function digestEntry(
  zip: ZipFile,
  entry: Entry,
  keep: boolean,
  readAt: ReadAt,
  reclaim: Reclaimer,
  data?: Buffer,
): Promise<{ sha256: Buffer; content?: Buffer }> {
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let crc = 0;
  const take = (chunk: Buffer): void => {
    hash.update(chunk);
    crc = crc32(chunk, crc);
    if (keep) kept.push(chunk);
  };
  if (data !== undefined && entry.uncompressedSize <= SYNC_ENTRY) take(contentInMemory(data, entry));
  else {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
      zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s)));
    });
    // Each chunk is a fresh buffer, dropped once hashed (reclaim.ts).
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      take(chunk);
      reclaim.passed(chunk.length);
    }
  }
  const hasDescriptor = (entry.generalPurposeBitFlag & 0x8) !== 0;
  if ((hasDescriptor || entry.crc32 !== 0) && crc >>> 0 !== entry.crc32 >>> 0) throw new Error('zip: checksum error');
  if (hasDescriptor) {
    // Go also reads the data descriptor after the data and wants the same CRC there.
    const { fileDataStart } = await zip.readLocalFileHeaderPromise(entry, { minimal: true });
    if ((await descriptorCrc(readAt, fileDataStart + entry.compressedSize)) !== entry.crc32 >>> 0) throw new Error('zip: checksum error');
  }
  return keep ? { sha256: hash.digest(), content: Buffer.concat(kept) } : { sha256: hash.digest() };
}

function decodeName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new ModZipError(`${raw.toString('utf8')}: file name is not valid UTF-8`);
  }
}

async function checkEntries(zip: ZipFile, prefix: string, centralDirectorySize: number, readAt: ReadAt, data?: Buffer): Promise<ZipCheckResult> {
  const reclaim = new Reclaimer();
  const rules = new EntryRules(prefix);
  const files: HashedFile[] = [];
  let goMod: Buffer | undefined;
  let headerBytes = 0;
  // Counted rather than read to the end: yauzl announces the end a whole event-loop turn later, and says nothing
  // there that the count does not (it ends exactly when entryCount entries have been read).
  for (let read = 0; read < zip.entryCount; read++) {
    const entry = await nextEntry(zip);
    if (entry === undefined) break;
    headerBytes += centralHeaderSize(entry);
    const name = decodeName(entry.fileNameRaw);
    const isRootGoMod = rules.check(name, entry.uncompressedSize);
    let digest;
    try {
      digest = await digestEntry(zip, entry, isRootGoMod, readAt, reclaim, data);
    } catch (err) {
      throw new ModZipError(`${name}: cannot read entry: ${(err as Error).message}`, { cause: err });
    }
    files.push({ name, sha256: digest.sha256 });
    if (digest.content !== undefined) goMod = digest.content;
  }
  // Go reads central-directory headers until one is not a header: bytes left over would be read differently.
  if (headerBytes !== centralDirectorySize) throw new ModZipError('not a valid zip file: the central directory holds more than its entries');
  const result: ZipCheckResult = { h1: hash1(files), entries: files.length, uncompressedSize: rules.totalSize };
  return goMod === undefined ? result : { ...result, goModH1: hashGoMod(goMod), goMod };
}

/**
 * Checks a module zip file for module@version as `go mod download` would (module.Check, size limits, entry
 * names, collisions, go.mod placement, exact sizes and CRCs) and returns its h1. Throws ModZipError.
 * `bytes`, when given, are the file's contents, already in memory: the file is then not read.
 */
export async function checkAndHashZip(file: string, modulePath: string, version: string, bytes?: Buffer): Promise<ZipCheckResult> {
  const canonical = canonicalVersion(version);
  if (canonical !== version) {
    throw new ModZipError(`version ${goQuote(version)} is not canonical (should be ${goQuote(canonical)})`);
  }
  const invalid = check(modulePath, version);
  if (invalid !== undefined) throw new ModZipError(invalid);
  const size = bytes?.length ?? (await stat(file)).size;
  if (size > MAX_ZIP_FILE) {
    throw new ModZipError(`module zip file is too large (${size} bytes; limit is ${MAX_ZIP_FILE} bytes)`);
  }
  let opened: Awaited<ReturnType<typeof openZip>>;
  try {
    opened = await openZip(file, size, bytes);
  } catch (err) {
    throw new ModZipError(`not a valid zip file: ${(err as Error).message}`, { cause: err });
  }
  const { zip } = opened;
  // yauzl may emit late errors (e.g. from a closed reader); they must never become uncaught exceptions.
  const ignoreLateErrors = (): void => {};
  zip.on('error', ignoreLateErrors);
  try {
    const cd = await centralDirectory(opened.readAt, size, zip.comment.length);
    if (typeof cd === 'string') throw new ModZipError(`not a valid zip file: ${cd}`);
    const result = await checkEntries(zip, `${modulePath}@${version}/`, cd.size, opened.readAt, opened.data);
    return opened.data === undefined ? result : { ...result, data: opened.data };
  } catch (err) {
    if (err instanceof ModZipError) throw err;
    throw new ModZipError(`not a valid zip file: ${(err as Error).message}`, { cause: err });
  } finally {
    zip.close();
    await opened.close();
  }
}
