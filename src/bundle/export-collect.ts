// Export, first pass: everything but the zips' bytes. For each version its .info and .mod, the zip's size
// and h1 (filling it in the proxy when needed), and each database's lookup record; then per database a
// signed tree head and the tiles proving every record under it. Nothing is written until all of it holds.
import { rm } from 'node:fs/promises';
import type { ModuleVersion } from '../content/content-keys.js';
import { eachLimited } from '../content/pool.js';
import type { Item } from '../content/progress.js';
import { artifactPath, failure } from '../content/proxy-access.js';
import type { ProxyAccess } from '../content/proxy-access.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { checkAndHashZip } from '../modzip/zip-check.js';
import { lookupPath } from '../sumdb/lookup-path.js';
import { parseRecord } from '../sumdb/tree-note.js';
import type { Tree } from '../sumdb/tree-note.js';
import type { ModuleEntry } from './manifest.js';
import { sha256 } from './manifest.js';
import { collectTiles, headTree, recordHashes } from './proofs.js';
import type { SumRecord } from './proofs.js';

/** Why a version a database covers cannot go without its proof, and what to change. */
const MISSING =
  'an importer with that --sumdb refuses a bundle without its proof: give bundle export the settings of the proxy (--sumdb, --private, --nosumdb)';

export interface ExportDb {
  readonly name: string;
  /** The verifier key, when known here (the importer checks every proof against its own keys anyway). */
  readonly key?: string;
  /** Whether versions of this module are looked up in it (never private ones in a public database). */
  covers(modulePath: string): boolean;
  /**
   * The proxy may not run it (its own database, under --own-sumdb off): versions then go without its proof, which
   * only an importer that trusts it asks for. A --sumdb database is required: every importer checks it.
   */
  readonly optional?: boolean;
}

/** A lookup answer: the record, whose version it is, and the signed tree head it came with. */
type Found = SumRecord & { readonly name: string; readonly note: Buffer };

export interface Collected {
  readonly entry: ModuleEntry;
  readonly info: Buffer;
  readonly mod: Buffer;
}

export interface DbProofs {
  readonly name: string;
  readonly head: Buffer;
  readonly tree: Tree;
  /** By `lookup/…` path. */
  readonly records: ReadonlyMap<string, SumRecord>;
  /** By `tile/…` path. */
  readonly tiles: ReadonlyMap<string, Buffer>;
}

export interface Collection {
  readonly modules: Collected[];
  readonly dbs: DbProofs[];
  readonly failed: Item[];
}

export interface CollectOptions {
  readonly concurrency: number;
  readonly signal?: AbortSignal;
  /** A fresh temp file path, for a zip whose h1 must be computed here. */
  readonly tempFile: () => string;
}

export async function collect(access: ProxyAccess, targets: readonly ModuleVersion[], dbs: readonly ExportDb[], opts: CollectOptions): Promise<Collection> {
  const modules: Collected[] = [];
  const failed: Item[] = [];
  // A database the proxy does not serve would leave every version it covers without a proof, and the importer,
  // configured with it, refuses such a bundle: say so here, before it is carried anywhere.
  for (const db of dbs) {
    if (db.optional === true || !targets.some((t) => db.covers(t.path))) continue;
    const name = `checksum database ${db.name}`;
    try {
      if ((await access.get(`/sumdb/${db.name}/supported`, opts.signal)) !== undefined) continue;
    } catch (err) {
      // Not reached at all (an untrusted certificate, a refused connection): said as a version's failure is.
      if (opts.signal?.aborted === true) throw err;
      failed.push({ name, bytes: 0, ...failure(err) });
      continue;
    }
    failed.push({ name, bytes: 0, error: `${access.name} does not serve it (${MISSING})` });
  }
  if (failed.length > 0) return { modules, dbs: [], failed };
  const records = new Map(dbs.map((d) => [d.name, new Map<string, Found>()] as const));
  await eachLimited(
    targets,
    opts.concurrency,
    async (t) => {
      try {
        modules.push(await collectOne(access, t, dbs, records, opts));
      } catch (err) {
        if (opts.signal?.aborted !== true) failed.push({ name: `${t.path}@${t.version}`, bytes: 0, ...failure(err) });
      }
    },
    opts.signal,
  );
  const proofs: DbProofs[] = [];
  for (const db of dbs) {
    const recs = records.get(db.name) as Map<string, Found>;
    if (recs.size === 0 || failed.length > 0 || opts.signal?.aborted === true) continue;
    try {
      proofs.push(await proveAll(access, db, recs, opts.signal));
    } catch (err) {
      failed.push({ name: `checksum database ${db.name}`, bytes: 0, ...failure(err) });
    }
  }
  modules.sort((a, b) => (a.entry.path === b.entry.path ? (a.entry.version < b.entry.version ? -1 : 1) : a.entry.path < b.entry.path ? -1 : 1));
  return { modules, dbs: proofs, failed };
}

async function collectOne(
  access: ProxyAccess,
  t: ModuleVersion,
  dbs: readonly ExportDb[],
  records: Map<string, Map<string, Found>>,
  opts: CollectOptions,
): Promise<Collected> {
  const get = async (ext: 'info' | 'mod') => {
    const body = await access.get(artifactPath(t.path, t.version, ext), opts.signal);
    if (body === undefined) throw new Error(`not found (.${ext})`);
    return body;
  };
  const info = await get('info');
  const mod = await get('mod');
  const zip = await access.ensureZip(t.path, t.version, opts.signal);
  if (zip === undefined) throw new Error('not found (.zip)');
  const modH1 = hashGoMod(mod);
  let zipH1: string | undefined;
  const proofs: string[] = [];
  for (const db of dbs) {
    if (!db.covers(t.path)) continue;
    const rel = lookupPath(t.path, t.version).slice(1);
    const raw = await access.get(`/sumdb/${db.name}/${rel}`, opts.signal);
    if (raw === undefined) {
      if (db.optional === true) continue;
      throw new Error(`checksum database ${db.name} has no record of it (${MISSING})`);
    }
    const { id, text, rest } = parseRecord(raw);
    const h = recordHashes(text, t.path, t.version);
    if (h.mod !== modH1) throw new Error(`the go.mod's ${modH1} is not what checksum database ${db.name} records (${h.mod ?? 'nothing'})`);
    if (h.zip === undefined || (zipH1 !== undefined && h.zip !== zipH1))
      throw new Error(`checksum databases disagree about the zip (${db.name}: ${h.zip ?? 'nothing'})`);
    zipH1 = h.zip;
    records.get(db.name)?.set(rel, { id, text, name: `${t.path}@${t.version}`, note: rest });
    proofs.push(db.name);
  }
  zipH1 ??= zip.h1 ?? (await hashHere(access, t, opts));
  const entry: ModuleEntry = { path: t.path, version: t.version, info: sha256(info), mod: modH1, zip: zipH1, zipSize: zip.size, proofs };
  return { entry, info, mod };
}

/** No database and no stored hash names the zip's h1: download it once to compute it. */
async function hashHere(access: ProxyAccess, t: ModuleVersion, opts: CollectOptions): Promise<string> {
  const file = opts.tempFile();
  try {
    await access.downloadZip(t.path, t.version, file, opts.signal);
    return (await checkAndHashZip(file, t.path, t.version)).h1;
  } finally {
    await rm(file, { force: true });
  }
}

async function proveAll(access: ProxyAccess, db: ExportDb, records: ReadonlyMap<string, Found>, signal?: AbortSignal): Promise<DbProofs> {
  const latest = await access.get(`/sumdb/${db.name}/latest`, signal);
  if (latest === undefined) throw new Error('no signed tree head (/latest)');
  // A relay may answer /latest from a copy a few seconds old, older than the records just looked up: each lookup
  // came with the head it was proven in, so the newest of them all is one that holds every record.
  let head = latest;
  let tree = headTree(latest, db.key);
  for (const r of records.values()) {
    let t: Tree;
    try {
      t = headTree(r.note, db.key);
    } catch {
      continue; // no head, or not one of this database's: /latest's stands
    }
    if (t.n > tree.n) [head, tree] = [r.note, t];
  }
  const tiles = await collectTiles(tree, [...records.values()], (rel) => access.get(`/sumdb/${db.name}/${rel}`, signal));
  return { name: db.name, head, tree, records, tiles };
}
