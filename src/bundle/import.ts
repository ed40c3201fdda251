// `bundle import`, whole: streams the file once (gzip or plain tar), stages and checks every entry, checks
// the zips against hashes this proxy already keeps, verifies every proof, and only then commits. Any
// failure names the offending entry and leaves the proxy as it was (staged zips are scratch files).
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import type { Scratch } from '../storage/scratch.js';
import { commitBundle } from './import-commit.js';
import type { CommitDeps, CommitResult } from './import-commit.js';
import { BundleError, cacheNames, checkComplete, emptyStage, readManifest, stageArtifact, stageSumdb } from './import-stage.js';
import type { Staged } from './import-stage.js';
import { verifyProofs } from './import-verify.js';
import type { VerifyDeps } from './import-verify.js';
import { cacheEntry } from './manifest.js';
import type { Manifest } from './manifest.js';
import { readTar, TarError } from './tar-read.js';

export interface ImportDeps {
  readonly scratch: Scratch;
  readonly verify: VerifyDeps;
  readonly commit: CommitDeps;
  /** Told the bytes of each artifact as it is checked. */
  readonly onEntry?: (bytes: number) => void;
}

export interface ImportResult extends CommitResult {
  readonly manifest: Manifest;
}

async function input(file: string): Promise<Readable> {
  const fh = await open(file, 'r');
  const magic = Buffer.alloc(2);
  try {
    await fh.read(magic, 0, 2, 0);
  } finally {
    await fh.close();
  }
  const raw = createReadStream(file, { highWaterMark: 256 * 1024 });
  return magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
}

export async function importBundle(file: string, deps: ImportDeps): Promise<ImportResult> {
  let staged: Staged | undefined;
  const stream = await input(file);
  try {
    const entries = readTar(stream);
    const manifest = await readManifest((await entries.next()).value || undefined);
    staged = emptyStage(manifest);
    const names = cacheNames(manifest);
    for await (const f of entries) {
      if (f.name.startsWith('sumdb/')) {
        await stageSumdb(staged, f);
        continue;
      }
      const where = names.get(f.name);
      if (where === undefined) throw new BundleError(f.name, 'not an entry the manifest implies (a bundle holds nothing else)');
      deps.onEntry?.(await stageArtifact(staged, f, where, deps.scratch));
    }
    checkComplete(staged);
    await checkKeptHashes(staged, deps.commit.cache);
    const dbs = await verifyProofs(staged, deps.verify);
    return { manifest, ...(await commitBundle(staged, dbs, deps.commit)) };
  } catch (err) {
    if (err instanceof TarError) throw new BundleError('(archive)', err.message);
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw new BundleError('(archive)', `not a valid gzip stream: ${(err as Error).message}`);
    throw err;
  } finally {
    stream.destroy();
    await Promise.all([...(staged?.modules.values() ?? [])].map((m) => m.zip?.discard()));
  }
}

/** A version this proxy stored before must come with the same zip (Athens #1547), whatever the bundle's proofs. */
async function checkKeptHashes(s: Staged, cache: BlobStore): Promise<void> {
  for (const m of s.modules.values()) {
    const { path, version, zip } = m.entry;
    const kept = (await cache.read(artifactKey(path, version, 'ziphash')))?.toString('utf8');
    if (kept !== undefined && kept !== zip) throw new BundleError(cacheEntry(path, version, 'zip'), `${zip} is not the ${kept} this proxy stored first`);
  }
}
