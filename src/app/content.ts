// Content management from the configuration: with --cache-max-size, or --cache-min-free on a filesystem cache,
// coarse access times of served zips and the evictor (one at a time across processes), fed by the fill events
// and woken by a full disk; the --pin-from files are read here, at every start.
import type { Logger } from 'pino';
import { AccessTimes } from '../content/access-times.js';
import type { ModuleVersion } from '../content/content-keys.js';
import { Evictor } from '../content/evictor.js';
import { ModuleFileError, readModuleFile } from '../content/module-files.js';
import { ZipReaders } from '../content/zip-readers.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Exclusive } from '../coord/exclusive.js';
import type { FillEvents, FilledEvent } from '../fill/types.js';
import type { Metrics } from '../metrics.js';
import type { LocalFailures } from '../storage/local-failures.js';
import type { Layout } from './layout.js';
import { settingError } from './setting-error.js';

export interface ContentDeps {
  readonly layout: Layout;
  readonly coord: Coordinator;
  /** What fills hold an artifact's key with (the evictor holds them to remove a stray import mark). */
  readonly locks: Exclusive;
  readonly events: FillEvents;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly redact: (modulePath: string) => string;
  /** This process's own storage failing: a full disk wakes the evictor. */
  readonly failures?: LocalFailures;
}

export interface Content {
  /** For the cache: a zip was served. */
  readonly zipServed?: (modulePath: string, version: string, storedAt?: number) => void;
  /** For the cache: zips being read, which the evictor skips. */
  readonly zipReaders?: ZipReaders;
  readonly evictor?: Evictor;
  close(): Promise<void>;
}

export async function openContent(config: Readonly<Config>, deps: ContentDeps): Promise<Content> {
  const e = config.eviction;
  // The free space of the file system a filesystem cache is on; an object store (S3) has none to keep.
  const files = deps.layout.cache.localFiles;
  const space = files === undefined ? undefined : () => files.space();
  const access = new AccessTimes(deps.layout.content, deps.log, undefined, undefined, deps.failures);
  const readers = new ZipReaders();
  // Read at every start, eviction on or off: a file that is not there or does not parse is a setting's mistake,
  // told now in one line, not found only once eviction is turned on (its versions are read by each pass).
  const pinnedByConfig: ModuleVersion[] = [];
  for (const file of e.pinFrom) pinnedByConfig.push(...(await readPinFile(file)).versions);
  const evictor = new Evictor(
    { ...deps, store: deps.layout.cache, content: deps.layout.content, access, pinnedByConfig, readers, space },
    { maxBytes: e.maxSize, highPercent: e.highWatermark, lowPercent: e.lowWatermark, minFree: e.minFree },
  );
  if (!evictor.active) return { close: async () => {} };
  deps.failures?.onFull(() => void evictor.diskFull());
  const onFilled = (f: FilledEvent) => {
    if (f.kind === 'zip') access.stored(f.module, f.version);
    evictor.filled(f);
  };
  deps.events.on('filled', onFilled);
  evictor.start();
  return {
    zipServed: (p, v, storedAt) => access.touch(p, v, storedAt),
    zipReaders: readers,
    evictor,
    close: async () => {
      deps.events.off('filled', onFilled);
      await evictor.close();
    },
  };
}

/** A --pin-from file, or the setting named with what is wrong in it. */
async function readPinFile(file: string): ReturnType<typeof readModuleFile> {
  try {
    return await readModuleFile(file);
  } catch (err) {
    if (err instanceof ModuleFileError) throw settingError('pin-from', err.message, err);
    throw err;
  }
}
