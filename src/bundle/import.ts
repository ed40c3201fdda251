// `bundle import`, whole: streams the file once (gzip or plain tar), stages and checks every entry, checks
// the zips against hashes this proxy already keeps, verifies every proof, and only then commits. Any
// failure names the offending entry and leaves the proxy as it was (staged zips are scratch files).
import { createReadStream } from 'node:fs';
import { pipeline, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { hashGoMod } from '../modzip/dirhash.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import type { Scratch } from '../storage/scratch.js';
import { PROBE_KEY } from '../coord/resilient.js';
import { coordinatorNeeded } from './coordinator-needed.js';
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

/** The bundle's bytes, gunzipped when they start with gzip's magic (whatever the file or request is called). */
async function input(it: AsyncIterator<Buffer>): Promise<Readable> {
  const head: Buffer[] = [];
  let n = 0;
  while (n < 2) {
    const r = await it.next();
    if (r.done === true) break;
    head.push(r.value);
    n += r.value.length;
  }
  const magic = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    yield* head;
    for (let r = await it.next(); r.done !== true; r = await it.next()) yield r.value;
  }
  const raw = Readable.from(all(), { objectMode: false });
  // pipeline passes an error of either stream on to the gunzip stream, which the reader then throws.
  return magic[0] === 0x1f && magic[1] === 0x8b ? pipeline(raw, createGunzip(), () => {}) : raw;
}

export function importBundle(file: string, deps: ImportDeps): Promise<ImportResult> {
  return importStream(createReadStream(file, { highWaterMark: 256 * 1024 }), deps);
}

/** The same import from any byte stream (a file, or the body of POST /api/v1/admin/bundles). */
export async function importStream(source: AsyncIterable<Buffer>, deps: ImportDeps): Promise<ImportResult> {
  let staged: Staged | undefined;
  const it = source[Symbol.asyncIterator]();
  let stream: Readable | undefined;
  try {
    // Asked first: a bundle of many GiB is not read and hashed for nothing.
    await deps.commit.coord.get(PROBE_KEY).catch(needed);
    stream = await input(it);
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
      // Staged first: `onEntry?.(await …)` would skip the staging itself when nobody listens.
      const bytes = await stageArtifact(staged, f, where, deps.scratch);
      deps.onEntry?.(bytes);
    }
    checkComplete(staged);
    await checkKeptHashes(staged, deps.commit.cache);
    const dbs = await verifyProofs(staged, deps.verify).catch(needed);
    return { manifest, ...(await commitBundle(staged, dbs, deps.commit)) };
  } catch (err) {
    if (err instanceof TarError) throw new BundleError('(archive)', err.message);
    if ((err as NodeJS.ErrnoException).code === 'Z_DATA_ERROR' || (err as NodeJS.ErrnoException).code === 'Z_BUF_ERROR')
      throw new BundleError('(archive)', `not a valid gzip stream: ${(err as Error).message}`);
    throw err;
  } finally {
    stream?.destroy();
    // Ends the source too (closes a file; a request body left unread is the route's to answer).
    await it.return?.();
    await Promise.all([...(staged?.modules.values() ?? [])].map((m) => m.zip?.discard()));
  }
}

/** Before the commit: nothing stored yet. */
function needed(err: unknown): never {
  throw coordinatorNeeded(err, 0);
}

/**
 * A version this proxy stored before must come with the same zip (Athens #1547) and the same go.mod, whatever the
 * bundle's proofs: the stored files stay, so a bundle that differs would be recorded for bytes it does not serve.
 */
async function checkKeptHashes(s: Staged, cache: BlobStore): Promise<void> {
  for (const m of s.modules.values()) {
    const { path, version, zip, mod } = m.entry;
    const kept = (await cache.read(artifactKey(path, version, 'ziphash')))?.toString('utf8');
    if (kept !== undefined && kept !== zip) throw new BundleError(cacheEntry(path, version, 'zip'), `${zip} is not the ${kept} this proxy stored first`);
    const keptMod = await cache.read(artifactKey(path, version, 'mod'));
    const keptModHash = keptMod === undefined ? undefined : hashGoMod(keptMod);
    if (keptModHash !== undefined && keptModHash !== mod)
      throw new BundleError(cacheEntry(path, version, 'mod'), `${mod} is not the ${keptModHash} of the go.mod this proxy stored first`);
  }
}
