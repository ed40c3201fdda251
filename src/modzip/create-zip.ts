// Builds a module zip from a module's files the way zip.Create does (x/mod/zip checkFiles, digest §5.3):
// which files are omitted, which make the whole version invalid, and the h1 of the result.
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Transform } from 'node:stream';
import type { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yazl from 'yazl';
import { goQuote } from '../protocol/go-quote.js';
import { canonicalVersion, check, checkFilePath } from '../protocol/module-path.js';
import { CollisionChecker } from './case-fold.js';
import { hash1 } from './dirhash.js';
import { parseGoDirective, usesGo124VendorRule } from './go-directive.js';
import { cleanPath, isGoModName } from './path-clean.js';
import { MAX_GO_MOD, MAX_LICENSE, MAX_ZIP_FILE, ModZipError } from './zip-check.js';

export { compareGoLang, parseGoDirective, usesGo124VendorRule } from './go-directive.js';

export interface ZipFileSource {
  /** Relative to the module root, '/'-separated. */
  path: string;
  kind: 'file' | 'symlink' | 'other';
  size: number;
  /** Opens the content; writeModuleZip may open the root go.mod twice (once to read its go directive). */
  open(): Promise<NodeJS.ReadableStream> | NodeJS.ReadableStream;
}

/** Go's isVendoredPackage, both the Go 1.19 rule (with the issue-37397 offset quirk) and the Go ≥ 1.24 rule. */
export function isVendored(p: string, go124: boolean): boolean {
  if (go124 && p === 'vendor/modules.txt') return true;
  let rest: string;
  if (p.startsWith('vendor/')) {
    rest = p.slice('vendor/'.length);
  } else {
    const j = p.indexOf('/vendor/');
    if (j < 0) return false;
    // Before 1.24 Go skipped only len("/vendor/") bytes from the start of the path, not from j.
    rest = go124 ? p.slice(j + '/vendor/'.length) : p.slice('/vendor/'.length);
  }
  return rest.includes('/');
}

/** Directories (with trailing '/') other than the root that hold a regular go.mod, in any letter case. */
function nestedModuleDirs(files: readonly ZipFileSource[]): Set<string> {
  const dirs = new Set<string>();
  for (const f of files) {
    const slash = f.path.lastIndexOf('/');
    if (slash >= 0 && f.kind === 'file' && isGoModName(f.path.slice(slash + 1))) dirs.add(f.path.slice(0, slash + 1));
  }
  return dirs;
}

function inNestedModule(p: string, dirs: Set<string>): boolean {
  for (let slash = p.lastIndexOf('/'); slash > 0; slash = p.lastIndexOf('/', slash - 1)) {
    if (dirs.has(p.slice(0, slash + 1))) return true;
  }
  return false;
}

/** Why a file makes the zip invalid (Go's wording), 'omit' when it is silently left out, or undefined to keep it. */
function judge(f: ZipFileSource, go124: boolean, nested: Set<string>, collisions: CollisionChecker): string | undefined {
  const p = f.path;
  if (cleanPath(p) !== p) return 'file path is not clean';
  if (p.startsWith('/')) return 'file path is not relative';
  if (isVendored(p, go124) || inNestedModule(p, nested) || p === '.hg_archival.txt') return 'omit';
  const pathErr = checkFilePath(p);
  if (pathErr !== undefined) return pathErr;
  if (isGoModName(p) && p !== 'go.mod') return 'go.mod files must have lowercase names';
  const clash = collisions.check(p, false);
  if (clash !== undefined) return clash;
  if (f.kind !== 'file') return 'omit';
  return undefined;
}

/**
 * zip.Create's file selection: drops vendored files (rule chosen by the root go.mod's go directive), nested
 * modules, .hg_archival.txt, symlinks and irregular files; throws ModZipError listing every invalid file
 * (or the size error, which Go reports first). Returns the kept files in input order.
 */
export function selectModuleFiles(files: ZipFileSource[], goModGoVersion: string | undefined): ZipFileSource[] {
  const go124 = usesGo124VendorRule(goModGoVersion);
  const nested = nestedModuleDirs(files);
  const collisions = new CollisionChecker();
  const reported = new Set<string>();
  const invalid: string[] = [];
  const kept: ZipFileSource[] = [];
  let room = MAX_ZIP_FILE;
  let sizeError: string | undefined;
  for (const f of files) {
    let verdict = judge(f, go124, nested, collisions);
    if (verdict === undefined) {
      if (f.size >= 0 && f.size <= room) room -= f.size;
      else sizeError ??= `module source tree too large (max size is ${MAX_ZIP_FILE} bytes)`;
      if (f.path === 'go.mod' && f.size > MAX_GO_MOD) verdict = `go.mod file too large (max size is ${MAX_GO_MOD} bytes)`;
      if (f.path === 'LICENSE' && f.size > MAX_LICENSE) verdict = `LICENSE file too large (max size is ${MAX_LICENSE} bytes)`;
    }
    if (verdict === undefined) kept.push(f);
    else if (!reported.has(f.path)) {
      reported.add(f.path); // Go reports each path once, with its first problem.
      if (verdict !== 'omit') invalid.push(`${f.path}: ${verdict}`);
    }
  }
  if (sizeError !== undefined) throw new ModZipError(sizeError);
  if (invalid.length > 0) throw new ModZipError(invalid.join('; '));
  return kept;
}

/** Reads a small file whole, or undefined when it turns out longer than limit. */
async function readSmall(source: ZipFileSource, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const chunk of (await source.open()) as AsyncIterable<Buffer | string>) {
    const b = Buffer.from(chunk);
    n += b.length;
    if (n > limit) return undefined;
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/** A pass-through stream that hashes content and fails when it exceeds the declared size (as Go's Create). */
function meter(f: ZipFileSource, digests: Map<string, Buffer>): Transform {
  const hash = createHash('sha256');
  let n = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      n += chunk.length;
      if (n > f.size) return done(new ModZipError(`file ${goQuote(f.path)} is larger than declared size`));
      hash.update(chunk);
      done(null, chunk);
    },
    flush(done) {
      digests.set(f.path, hash.digest());
      done();
    },
  });
}

/** Streams the selected files into outFile under prefix; returns each file's SHA-256. */
async function writeEntries(selected: ZipFileSource[], prefix: string, outFile: string): Promise<Map<string, Buffer>> {
  const digests = new Map<string, Buffer>();
  const zip = new yazl.ZipFile();
  const out = zip.outputStream as PassThrough;
  // yazl neither watches entry streams for errors nor ends its output on failure, so any failure ends it here.
  const fail = (err: unknown): void => {
    out.destroy(err instanceof Error ? err : new Error(String(err)));
  };
  zip.on('error', fail);
  for (const f of selected) {
    zip.addReadStreamLazy(prefix + f.path, { mtime: new Date(1980, 0, 1), compress: true }, (cb) => {
      Promise.resolve()
        .then(() => f.open())
        .then((source) => {
          const m = meter(f, digests);
          m.on('error', fail);
          source.on('error', (err: Error) => m.destroy(err));
          cb(null, source.pipe(m));
        }, fail);
    });
  }
  zip.end();
  try {
    await pipeline(out, createWriteStream(outFile));
  } catch (err) {
    if (err instanceof ModZipError) throw err;
    throw new ModZipError(`cannot write module zip: ${(err as Error).message}`, { cause: err });
  }
  return digests;
}

/**
 * zip.Create: checks module@version, selects the files (reading the root go.mod's go directive, as x/mod
 * ≥ v0.22 does), and writes the zip to outFile with yazl (no directory entries). Returns the zip's h1.
 */
export async function writeModuleZip(files: ZipFileSource[], modulePath: string, version: string, outFile: string): Promise<{ h1: string }> {
  const canonical = canonicalVersion(version);
  if (canonical !== version) throw new ModZipError(`version ${goQuote(version)} is not canonical (should be ${goQuote(canonical)})`);
  const invalid = check(modulePath, version);
  if (invalid !== undefined) throw new ModZipError(invalid);
  const rootGoMod = files.find((f) => f.path === 'go.mod' && f.kind === 'file');
  const goModBytes = rootGoMod === undefined ? undefined : await readSmall(rootGoMod, MAX_GO_MOD);
  const selected = selectModuleFiles(files, goModBytes && parseGoDirective(goModBytes.toString('utf8')));
  const prefix = `${modulePath}@${version}/`;
  const digests = await writeEntries(selected, prefix, outFile);
  return { h1: hash1(selected.map((f) => ({ name: prefix + f.path, sha256: digests.get(f.path) as Buffer }))) };
}
