// Import, reading: the bundle is streamed once, entry by entry. The manifest must come first; every other
// entry must be one the manifest implies, and is checked as it arrives (zips by the zip rules into scratch
// files, every hash against the manifest), so a tampered entry is named and nothing is stored yet.
import { Readable } from 'node:stream';
import { hashGoMod } from '../modzip/dirhash.js';
import { checkAndHashZip, MAX_GO_MOD, MAX_ZIP_FILE } from '../modzip/zip-check.js';
import { formatList, parseInfo } from '../protocol/answers.js';
import { isCanonicalModuleVersion, check } from '../protocol/module-path.js';
import { sortVersions } from '../protocol/semver.js';
import type { Scratch, ScratchFile } from '../storage/scratch.js';
import { pipeIntoFile } from '../storage/file-pipe.js';
import { parseLookupTarget } from '../sumdb/lookup-path.js';
import { parseTilePath } from '../sumdb/tile.js';
import { HASH_SIZE } from '../sumdb/tlog.js';
import { parseRecord } from '../sumdb/tree-note.js';
import { cacheEntry, listEntry, MANIFEST, manifestSchema, parseSumdbEntry, sha256 } from './manifest.js';
import type { Manifest, ModuleEntry } from './manifest.js';
import { TILE_HEIGHT } from './proofs.js';
import type { SumRecord } from './proofs.js';
import type { TarFile } from './tar-read.js';

export class BundleError extends Error {
  override readonly name = 'BundleError';
  constructor(
    readonly entry: string,
    reason: string,
    /** Module versions already committed when it was refused: only a fill that raced the commit does that. */
    readonly storedBefore = 0,
  ) {
    super(`bundle entry ${entry}: ${reason}`);
  }

  /** What the command and the route say. */
  get refusal(): string {
    const what = this.storedBefore === 0 ? 'nothing stored' : `${this.storedBefore} of its module versions were stored before`;
    return `refused, ${what}: ${this.message}`;
  }
}

export interface StagedDb {
  head?: Buffer;
  readonly records: Map<string, SumRecord>;
  readonly tiles: Map<string, Buffer>;
}

export interface StagedModule {
  readonly entry: ModuleEntry;
  info?: Buffer;
  mod?: Buffer;
  zip?: ScratchFile;
}

export interface Staged {
  readonly manifest: Manifest;
  readonly dbs: Map<string, StagedDb>;
  readonly modules: Map<string, StagedModule>;
}

const MAX_MANIFEST = 256 << 20;
const MAX_SMALL = 1 << 20;

export async function readSmall(f: TarFile, limit: number): Promise<Buffer> {
  if (f.size > limit) throw new BundleError(f.name, `${f.size} bytes, more than the ${limit} such an entry may have`);
  const parts: Buffer[] = [];
  for await (const c of f.body) parts.push(c);
  return Buffer.concat(parts);
}

/** The manifest, checked: the first entry of every bundle. */
export async function readManifest(f: TarFile | undefined): Promise<Manifest> {
  if (f?.name !== MANIFEST) throw new BundleError(f?.name ?? '(none)', `a bundle starts with ${MANIFEST}; this is not a gomodproxy bundle`);
  let parsed: Manifest;
  try {
    parsed = manifestSchema.parse(JSON.parse((await readSmall(f, MAX_MANIFEST)).toString('utf8')));
  } catch (err) {
    throw new BundleError(MANIFEST, `malformed (${(err as Error).message.split('\n')[0]})`);
  }
  const seen = new Set<string>();
  for (const m of parsed.modules) {
    const name = `${m.path}@${m.version}`;
    if (check(m.path, m.version) !== undefined || !isCanonicalModuleVersion(m.version))
      throw new BundleError(MANIFEST, `${name} is not a valid module version`);
    if (seen.has(name)) throw new BundleError(MANIFEST, `${name} is listed twice`);
    seen.add(name);
  }
  return parsed;
}

export function emptyStage(manifest: Manifest): Staged {
  return {
    manifest,
    dbs: new Map(manifest.databases.map((d) => [d.name, { records: new Map(), tiles: new Map() }])),
    modules: new Map(manifest.modules.map((m) => [`${m.path}@${m.version}`, { entry: m }])),
  };
}

/** Where each expected cache entry goes. */
export function cacheNames(manifest: Manifest): Map<string, { readonly key: string; readonly kind: 'info' | 'mod' | 'zip' | 'list' }> {
  const out = new Map<string, { key: string; kind: 'info' | 'mod' | 'zip' | 'list' }>();
  for (const m of manifest.modules) {
    const key = `${m.path}@${m.version}`;
    for (const kind of ['info', 'mod', 'zip'] as const) out.set(cacheEntry(m.path, m.version, kind), { key, kind });
    out.set(listEntry(m.path), { key: m.path, kind: 'list' });
  }
  return out;
}

export async function stageSumdb(s: Staged, f: TarFile): Promise<void> {
  const at = parseSumdbEntry(f.name, [...s.dbs.keys()]);
  const db = at === undefined ? undefined : s.dbs.get(at.db);
  if (at === undefined || db === undefined) throw new BundleError(f.name, 'not a database the manifest lists');
  const data = await readSmall(f, MAX_SMALL);
  if (at.rel === 'latest') {
    if (db.head !== undefined) throw new BundleError(f.name, 'appears twice');
    db.head = data;
  } else if (at.rel.startsWith('lookup/')) {
    if (parseLookupTarget(at.rel.slice('lookup/'.length)) === null) throw new BundleError(f.name, 'not a lookup path');
    try {
      const { id, text, rest } = parseRecord(data);
      if (rest.length !== 0) throw new Error('trailing bytes');
      db.records.set(at.rel, { id, text });
    } catch (err) {
      throw new BundleError(f.name, `malformed record (${(err as Error).message})`);
    }
  } else {
    let ok = false;
    try {
      const t = parseTilePath(at.rel);
      ok = t.h === TILE_HEIGHT && t.l >= 0 && data.length === t.w * HASH_SIZE;
    } catch {
      // not a tile path
    }
    if (!ok) throw new BundleError(f.name, 'not a hash tile of height 8 with the bytes its width needs');
    db.tiles.set(at.rel, data);
  }
}

export async function stageArtifact(s: Staged, f: TarFile, where: { key: string; kind: 'info' | 'mod' | 'zip' | 'list' }, scratch: Scratch): Promise<number> {
  if (where.kind === 'list') {
    const versions = s.manifest.modules.filter((m) => m.path === where.key).map((m) => m.version);
    if (!(await readSmall(f, MAX_SMALL)).equals(Buffer.from(formatList(sortVersions(versions)))))
      throw new BundleError(f.name, 'does not list the versions of the manifest');
    return 0;
  }
  const m = s.modules.get(where.key) as StagedModule;
  const { path, version } = m.entry;
  if (m[where.kind] !== undefined) throw new BundleError(f.name, 'appears twice');
  if (where.kind === 'info') {
    const info = await readSmall(f, MAX_SMALL);
    if (sha256(info) !== m.entry.info) throw new BundleError(f.name, `${sha256(info)} is not the manifest's ${m.entry.info}`);
    try {
      parseInfo('bundle', path, info, version);
    } catch (err) {
      throw new BundleError(f.name, (err as Error).message);
    }
    m.info = info;
    return info.length;
  }
  if (where.kind === 'mod') {
    const mod = await readSmall(f, MAX_GO_MOD);
    if (hashGoMod(mod) !== m.entry.mod) throw new BundleError(f.name, `${hashGoMod(mod)} is not the manifest's ${m.entry.mod}`);
    m.mod = mod;
    return mod.length;
  }
  if (f.size > MAX_ZIP_FILE || f.size !== m.entry.zipSize) throw new BundleError(f.name, `${f.size} bytes, the manifest says ${m.entry.zipSize}`);
  const file = scratch.file('bundle-zip');
  m.zip = file;
  // Our disk failing (full, out of descriptors) is ours to name; a broken bundle stream stays what it is.
  await pipeIntoFile(file.path, `staging bundle entry ${f.name}`, Readable.from(f.body));
  let h1: string;
  try {
    h1 = (await checkAndHashZip(file.path, path, version)).h1;
  } catch (err) {
    throw new BundleError(f.name, `not a valid module zip: ${(err as Error).message}`);
  }
  if (h1 !== m.entry.zip) throw new BundleError(f.name, `${h1} is not the manifest's ${m.entry.zip}`);
  return f.size;
}

/** Every module must have come with its three artifacts; every listed database with its head. */
export function checkComplete(s: Staged): void {
  for (const m of s.modules.values()) {
    for (const kind of ['info', 'mod', 'zip'] as const) {
      if (m[kind] === undefined) throw new BundleError(cacheEntry(m.entry.path, m.entry.version, kind), 'missing');
    }
  }
}
