// Pinned versions, the one store behind `gomodproxy pin`/`unpin` and the Admin view: a key per pin in the content
// store (every process and replica sharing it sees them), plus the versions of the --pin-from files, which only
// editing the files (and restarting) changes.
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { parseVersionName, PINS, pinKey } from './content-keys.js';
import type { ModuleVersion } from './content-keys.js';
import { ModuleFileError, readModuleFile } from './module-files.js';

export interface Pin {
  readonly module: string;
  readonly version: string;
  /** `pin`: set with `gomodproxy pin` or the Admin view (may be unpinned); `config`: a --pin-from file's. */
  readonly from: 'pin' | 'config';
}

/** The versions of each --pin-from file as they are now (the evictor read them when the server started); a file gone since is skipped. */
async function configPins(files: readonly string[]): Promise<Array<{ file: string; versions: ModuleVersion[] }>> {
  const out: Array<{ file: string; versions: ModuleVersion[] }> = [];
  for (const file of files) {
    try {
      out.push({ file, versions: (await readModuleFile(file)).versions });
    } catch (err) {
      if (!(err instanceof ModuleFileError)) throw err;
    }
  }
  return out;
}

const byModuleVersion = (a: Pin, b: Pin) => (a.module === b.module ? (a.version < b.version ? -1 : 1) : a.module < b.module ? -1 : 1);

export class PinStore {
  constructor(
    private readonly content: BlobStore,
    private readonly pinFrom: readonly string[],
  ) {}

  /** Every pin, sorted by module and version; a version both pinned and listed in a --pin-from file counts as `pin`. */
  async list(): Promise<Pin[]> {
    const pins = new Map<string, Pin>();
    const add = (v: ModuleVersion | undefined, from: Pin['from']) => {
      if (v !== undefined && !pins.has(`${v.path}@${v.version}`)) pins.set(`${v.path}@${v.version}`, { module: v.path, version: v.version, from });
    };
    for await (const key of listAll(this.content, PINS)) add(parseVersionName(key.slice(PINS.length)), 'pin');
    for (const { versions } of await configPins(this.pinFrom)) for (const v of versions) add(v, 'config');
    return [...pins.values()].sort(byModuleVersion);
  }

  /** The --pin-from files that list the version (it stays pinned whatever unpin does), in the order given. */
  async listedBy(path: string, version: string): Promise<string[]> {
    const files = await configPins(this.pinFrom);
    return files.filter((f) => f.versions.some((v) => v.path === path && v.version === version)).map((f) => f.file);
  }

  pin(path: string, version: string): Promise<void> {
    return this.content.put(pinKey(path, version), '');
  }

  /** false when the version was not pinned (with `gomodproxy pin` or the Admin view). */
  async unpin(path: string, version: string): Promise<boolean> {
    const key = pinKey(path, version);
    if ((await this.content.stat(key)) === undefined) return false;
    await this.content.delete(key);
    return true;
  }
}
