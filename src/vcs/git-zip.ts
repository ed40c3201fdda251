// The module zip from git, as cmd/go's codeRepo.Zip: `git archive` of the module directory (export-ignore
// and export-subst off, eol conversion on), the root LICENSE copied into subdirectory modules, then zip.Create.
import { rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import type { ZipFile } from 'yauzl';
import { writeModuleZip } from '../modzip/create-zip.js';
import type { ZipFileSource } from '../modzip/create-zip.js';
import { MAX_LICENSE, MAX_ZIP_FILE, ModZipError, nextEntry } from '../modzip/zip-check.js';
import type { CodeRepo } from './code-repo.js';
import { FileTooLargeError } from './git-repo.js';

const S_IFMT = 0o170000;
const S_IFLNK = 0o120000;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * An archive entry's name. git writes names as the bytes it stores; bytes that are not UTF-8 become lone surrogates
 * (U+DC00 + byte), so that two different invalid names stay different (one replacement character would make them
 * one, and a nested module in one directory would then hide the other's files) and still fail CheckFilePath.
 */
function entryName(raw: Buffer): string {
  try {
    return utf8.decode(raw);
  } catch {
    let out = '';
    for (let i = 0; i < raw.length; ) {
      const n = [1, 2, 3, 4].find((k) => i + k <= raw.length && decodesToOne(raw.subarray(i, i + k)));
      out += n === undefined ? String.fromCharCode(0xdc00 + (raw[i] as number)) : utf8.decode(raw.subarray(i, i + n));
      i += n ?? 1;
    }
    return out;
  }
}

/** Whether the bytes are exactly one UTF-8 encoded character. */
function decodesToOne(bytes: Buffer): boolean {
  try {
    return [...utf8.decode(bytes)].length === 1;
  } catch {
    return false;
  }
}

/** Writes the zip of modPath@version (already checked by Stat) into outFile; returns its h1. Throws ModZipError. */
/** pinned: the commit to read instead of what the version's tag names now (CodeRepo.findDir). */
/** scratchPath: a fresh path for git's archive, asked for only once the archive is about to be written. */
export async function writeZipFromGit(
  repo: CodeRepo,
  version: string,
  outFile: string,
  scratchPath: () => Promise<string>,
  pinned?: string,
): Promise<{ h1: string }> {
  const { rev, dir } = await repo.findDir(version, pinned);
  const { mirror, cut } = repo.code;
  // A root module needs every blob of the commit, so there is nothing to list first.
  await mirror.prefetchBlobs(rev.name, dir === '' ? 'all' : await repo.code.blobsUnder(rev.name, dir, ['LICENSE']), cut);
  const archive = await scratchPath();
  try {
    const pathspec = dir === '' ? [] : ['--', dir];
    await mirror.git(
      ['-c', 'core.autocrlf=input', '-c', 'core.eol=lf', 'archive', '--format=zip', '--prefix=prefix/', `--output=${archive}`, rev.name, ...pathspec],
      { cut },
    );
    if ((await stat(archive)).size > MAX_ZIP_FILE) throw new ModZipError('downloaded zip file too large');
    const zip = await openZip(archive);
    try {
      const files = await moduleFiles(zip, dir);
      if (dir !== '' && !files.some((f) => f.path === 'LICENSE')) {
        const license = await rootLicense(repo, rev.name);
        if (license !== undefined) files.push(license);
      }
      return await writeModuleZip(files, repo.modPath, version, outFile);
    } finally {
      zip.close();
    }
  } finally {
    await rm(archive, { force: true });
  }
}

/**
 * The repository's root LICENSE, which the go command reads whole; one over MAX_LICENSE makes zip creation fail
 * ("LICENSE file too large"), so a larger one is stood for by an entry just over the limit that is never opened.
 */
async function rootLicense(repo: CodeRepo, commit: string): Promise<ZipFileSource | undefined> {
  try {
    const data = await repo.code.readFile(commit, 'LICENSE', MAX_LICENSE + 1);
    return data === undefined ? undefined : memoryFile('LICENSE', data);
  } catch (err) {
    if (!(err instanceof FileTooLargeError)) throw err;
    return { path: 'LICENSE', kind: 'file', size: MAX_LICENSE + 1, open: () => Promise.reject(err) };
  }
}

function memoryFile(name: string, data: Buffer): ZipFileSource {
  return { path: name, kind: 'file', size: data.length, open: () => Readable.from([data]) };
}

/** The archive's entries under dir/, relative to it, without directories; symlinks marked as such. */
async function moduleFiles(zip: ZipFile, dir: string): Promise<ZipFileSource[]> {
  const top = 'prefix/';
  const sub = dir === '' ? '' : `${dir}/`;
  const files: ZipFileSource[] = [];
  for (let e = await nextEntry(zip); e !== undefined; e = await nextEntry(zip)) {
    const full = entryName(e.fileNameRaw);
    if (!full.startsWith(top)) throw new ModZipError('zip file contains more than one top-level directory');
    const name = full.slice(top.length);
    if (!name.startsWith(sub)) continue;
    const rel = name.slice(sub.length);
    if (rel === '' || rel.endsWith('/')) continue;
    const entry = e;
    const mode = (entry.externalFileAttributes >>> 16) & S_IFMT;
    files.push({
      path: rel,
      kind: mode === S_IFLNK ? 'symlink' : 'file',
      size: entry.uncompressedSize,
      open: () => new Promise((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s)))),
    });
  }
  return files;
}

function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false, decodeStrings: false }, (err, zip) => {
      if (err) return reject(new ModZipError(`git archive wrote an unreadable zip: ${err.message}`));
      zip.on('error', () => {}); // late reader errors surface through the entry streams
      resolve(zip);
    });
  });
}
