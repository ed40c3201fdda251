// One cached version's page: its hashes, which checksum database verified each file (the verdicts kept at
// fill time), what the own checksum database recorded, the go.mod text; the zip's files and LICENSE on demand.
import { hashGoMod } from '../modzip/dirhash.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import type { RecordedLog } from '../verify/own-record-gate.js';
import { recordedHash } from '../verify/own-record-gate.js';
import type { Verdicts } from '../verify/verdicts.js';
import { infoTime } from './module-details.js';
import { listZip, readLicense } from './zip-listing.js';
import type { ZipFileInfo } from './zip-listing.js';
import type { OwnRecord, VersionDetails } from './api-types.js';

export type { OwnRecord, VersionDetails } from './api-types.js';

export interface VersionSources {
  readonly store: BlobStore;
  readonly verdicts: Verdicts;
  readonly own?: RecordedLog;
}

/** go.mod text shown at most (the limit a go.mod may have is 16 MiB). */
const MAX_GO_MOD_SHOWN = 1 << 20;

async function ownRecord(own: RecordedLog, path: string, version: string): Promise<OwnRecord> {
  const rec = await own.recorded(path, version).catch(() => undefined);
  if (rec === undefined) return { name: own.name, recorded: false };
  return {
    name: own.name,
    recorded: true,
    id: rec.id,
    h1: recordedHash(rec.text, path, version, 'zip'),
    goModH1: recordedHash(rec.text, path, version, 'mod'),
  };
}

/** undefined when none of the version's .info, .mod and .zip is cached. */
export async function versionDetails(src: VersionSources, path: string, version: string, downloads: number): Promise<VersionDetails | undefined> {
  const { store } = src;
  const key = (k: 'info' | 'mod' | 'zip' | 'ziphash') => artifactKey(path, version, k);
  const [info, mod, zip, h1, zipVerdict, modVerdict, own] = await Promise.all([
    store.read(key('info')),
    store.read(key('mod')),
    store.stat(key('zip')),
    store.read(key('ziphash')),
    src.verdicts.read(path, version, 'zip'),
    src.verdicts.read(path, version, 'go.mod'),
    src.own === undefined ? undefined : ownRecord(src.own, path, version),
  ]);
  if (info === undefined && mod === undefined && zip === undefined) return undefined;
  return {
    path,
    version,
    time: infoTime(info?.toString('utf8')),
    size: zip?.size,
    h1: zip === undefined ? undefined : h1?.toString('utf8').trim(),
    goModH1: mod === undefined ? undefined : hashGoMod(mod),
    goMod: mod?.subarray(0, MAX_GO_MOD_SHOWN).toString('utf8'),
    verified: { zip: zip === undefined ? undefined : zipVerdict, goMod: mod === undefined ? undefined : modVerdict },
    ownDb: own,
    downloads,
    cached: [info && 'info', mod && 'mod', zip && 'zip'].filter((k): k is string => typeof k === 'string'),
  };
}

/** The zip's files; undefined when the zip is not cached. */
export async function versionFiles(store: BlobStore, path: string, version: string): Promise<{ files: ZipFileInfo[]; truncated: boolean } | undefined> {
  const key = artifactKey(path, version, 'zip');
  const st = await store.stat(key);
  return st === undefined ? undefined : listZip(store, key, st.size, `${path}@${version}/`);
}

/** The LICENSE at the module root; undefined when the zip is not cached or has none. */
export async function versionLicense(store: BlobStore, path: string, version: string): Promise<Buffer | undefined> {
  const key = artifactKey(path, version, 'zip');
  const st = await store.stat(key);
  return st === undefined ? undefined : readLicense(store, key, st.size, `${path}@${version}/`);
}
