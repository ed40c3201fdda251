// What eviction must never remove: private modules (--private), pinned versions (`gomodproxy pin`, and every
// version of the --pin-from files), and versions that came from an imported bundle. Read afresh for each
// eviction pass, so a pin set by any process or replica counts at once.
import type { BlobStore } from '../storage/blob-store.js';
import { listAll } from '../storage/blob-store.js';
import { BUNDLED, namesUnder, PINS } from './content-keys.js';
import type { ModuleVersion } from './content-keys.js';

export type ProtectionReason = 'private' | 'pinned' | 'bundled';

export interface ProtectionSnapshot {
  /** Why a version must stay, or undefined when it may be evicted. */
  reason(modulePath: string, version: string): ProtectionReason | undefined;
  readonly pinned: number;
  /** The versions marked as imported from a bundle (`path@version`), whether or not their zip is stored. */
  readonly bundled: ReadonlySet<string>;
}

export interface ProtectionDeps {
  readonly content: BlobStore;
  readonly isPrivate: (modulePath: string) => boolean;
  /** Versions pinned by configuration (--pin-from), read once at start. */
  readonly pinnedByConfig: readonly ModuleVersion[];
}

export async function protectionSnapshot(deps: ProtectionDeps): Promise<ProtectionSnapshot> {
  const pinned = namesUnder(PINS, await collect(listAll(deps.content, PINS)));
  for (const m of deps.pinnedByConfig) pinned.add(`${m.path}@${m.version}`);
  const bundled = namesUnder(BUNDLED, await collect(listAll(deps.content, BUNDLED)));
  return {
    pinned: pinned.size,
    bundled,
    reason: (p, v) => {
      if (deps.isPrivate(p)) return 'private';
      const name = `${p}@${v}`;
      if (pinned.has(name)) return 'pinned';
      if (bundled.has(name)) return 'bundled';
      return undefined;
    },
  };
}

async function collect(it: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const x of it) out.push(x);
  return out;
}
