// Validates a module zip on disk the way the go command does before using it (x/mod/zip checkZip, digest §5.4)
// and computes its go.sum h1 (dirhash.HashZip, §6) in the same streaming pass. Never buffers the whole zip.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import type { Entry, ZipFile } from 'yauzl';
import { goQuote } from '../protocol/go-quote.js';
import { canonicalVersion, check, checkFilePath } from '../protocol/module-path.js';
import { CollisionChecker } from './case-fold.js';
import { hash1, hashGoMod } from './dirhash.js';
import type { HashedFile } from './dirhash.js';
import { baseName, cleanPath, isGoModName } from './path-clean.js';

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

async function openZip(file: string, size: number): Promise<ZipFile> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true };
  if (size <= IN_MEMORY_ZIP) {
    const data = await readFile(file);
    return new Promise((resolve, reject) => yauzl.fromBuffer(data, options, (err, zip) => (err ? reject(err) : resolve(zip))));
  }
  return new Promise((resolve, reject) => yauzl.open(file, options, (err, zip) => (err ? reject(err) : resolve(zip))));
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

/** Streams one entry's content through SHA-256 and CRC-32 (Go's reader verifies the CRC), keeping it if asked. */
async function digestEntry(zip: ZipFile, entry: Entry, keep: boolean): Promise<{ sha256: Buffer; content?: Buffer }> {
  const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => {
    zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s)));
  });
  const hash = createHash('sha256');
  const kept: Buffer[] = [];
  let crc = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk);
    crc = crc32(chunk, crc);
    if (keep) kept.push(chunk);
  }
  const hasDescriptor = (entry.generalPurposeBitFlag & 0x8) !== 0;
  if ((hasDescriptor || entry.crc32 !== 0) && crc >>> 0 !== entry.crc32 >>> 0) throw new Error('zip: checksum error');
  return keep ? { sha256: hash.digest(), content: Buffer.concat(kept) } : { sha256: hash.digest() };
}

function decodeName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    throw new ModZipError(`${raw.toString('utf8')}: file name is not valid UTF-8`);
  }
}

async function checkEntries(zip: ZipFile, prefix: string): Promise<ZipCheckResult> {
  const rules = new EntryRules(prefix);
  const files: HashedFile[] = [];
  let goMod: Buffer | undefined;
  for (let entry = await nextEntry(zip); entry !== undefined; entry = await nextEntry(zip)) {
    const name = decodeName(entry.fileNameRaw);
    const isRootGoMod = rules.check(name, entry.uncompressedSize);
    let digest;
    try {
      digest = await digestEntry(zip, entry, isRootGoMod);
    } catch (err) {
      throw new ModZipError(`${name}: cannot read entry: ${(err as Error).message}`, { cause: err });
    }
    files.push({ name, sha256: digest.sha256 });
    if (digest.content !== undefined) goMod = digest.content;
  }
  const result: ZipCheckResult = { h1: hash1(files), entries: files.length, uncompressedSize: rules.totalSize };
  return goMod === undefined ? result : { ...result, goModH1: hashGoMod(goMod), goMod };
}

/**
 * Checks a module zip file for module@version as `go mod download` would (module.Check, size limits, entry
 * names, collisions, go.mod placement, exact sizes and CRCs) and returns its h1. Throws ModZipError.
 */
export async function checkAndHashZip(file: string, modulePath: string, version: string): Promise<ZipCheckResult> {
  const canonical = canonicalVersion(version);
  if (canonical !== version) {
    throw new ModZipError(`version ${goQuote(version)} is not canonical (should be ${goQuote(canonical)})`);
  }
  const invalid = check(modulePath, version);
  if (invalid !== undefined) throw new ModZipError(invalid);
  const { size } = await stat(file);
  if (size > MAX_ZIP_FILE) {
    throw new ModZipError(`module zip file is too large (${size} bytes; limit is ${MAX_ZIP_FILE} bytes)`);
  }
  let zip: ZipFile;
  try {
    zip = await openZip(file, size);
  } catch (err) {
    throw new ModZipError(`not a valid zip file: ${(err as Error).message}`, { cause: err });
  }
  // yauzl may emit late errors (e.g. from a closed reader); they must never become uncaught exceptions.
  const ignoreLateErrors = (): void => {};
  zip.on('error', ignoreLateErrors);
  try {
    return await checkEntries(zip, `${modulePath}@${version}/`);
  } catch (err) {
    if (err instanceof ModZipError) throw err;
    throw new ModZipError(`not a valid zip file: ${(err as Error).message}`, { cause: err });
  } finally {
    zip.close();
  }
}
