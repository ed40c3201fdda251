// Which versions of a module were published to this proxy (rather than fetched): one marker per version in
// the shared store, so every worker and replica sees them. Read on list and @latest requests, remembered
// for a moment per process: at once on the process that took the upload, within `rememberMs` elsewhere.
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { publishedKey, publishedPrefix } from '../storage/keys.js';
import { unescapeVersion } from '../protocol/escape.js';
import { isCanonicalModuleVersion } from '../protocol/module-path.js';
import { sortVersions } from '../protocol/semver.js';

export interface PublishedMarker {
  readonly Version: string;
  readonly Time: string;
  /** The publishing token's name. */
  readonly By: string;
}

const MAX_REMEMBERED = 10_000;
const NONE: readonly string[] = [];

export class PublishedVersions {
  private readonly known = new Map<string, { versions: readonly string[]; at: number }>();

  constructor(
    private readonly store: BlobStore,
    private readonly rememberMs = 2000,
    private readonly now: () => number = Date.now,
  ) {}

  async add(modulePath: string, marker: PublishedMarker): Promise<void> {
    await this.store.put(publishedKey(modulePath, marker.Version), JSON.stringify(marker));
    this.known.delete(modulePath);
  }

  /** The remembered versions when still fresh (no I/O): the hot path of list hits. */
  remembered(modulePath: string): readonly string[] | undefined {
    const hit = this.known.get(modulePath);
    return hit !== undefined && this.now() - hit.at < this.rememberMs ? hit.versions : undefined;
  }

  /** Sorted published versions of a module (empty for almost every module). */
  async versions(modulePath: string): Promise<readonly string[]> {
    const hit = this.remembered(modulePath);
    if (hit !== undefined) return hit;
    const t = this.now();
    const prefix = publishedPrefix(modulePath);
    const found: string[] = [];
    for await (const key of listAll(this.store, prefix)) {
      try {
        const v = unescapeVersion(key.slice(prefix.length));
        if (isCanonicalModuleVersion(v)) found.push(v);
      } catch {
        // not a marker
      }
    }
    const versions = found.length === 0 ? NONE : sortVersions(found);
    if (this.known.size >= MAX_REMEMBERED) this.known.clear();
    this.known.set(modulePath, { versions, at: t });
    return versions;
  }
}
