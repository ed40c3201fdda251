// Everything the dashboard's routes read, given by the composition root: the module store, the verdicts,
// the own checksum database, the server's figures, the configuration facts and the two access hooks.
import type { BlobStore, DiskSpace } from '../storage/blob-store.js';
import type { RecordedLog } from '../verify/own-record-gate.js';
import type { Verdicts } from '../verify/verdicts.js';
import type { AdminRefusal, MayAdmin, MayRead } from './access.js';
import type { StorageState } from './api-types.js';
import type { AdminFeatures } from './admin-features.js';
import type { PurgeGuard } from './purge.js';
import type { CursorKey } from './search-cursor.js';
import type { SetupFacts } from './setup-info.js';
import type { ServerStats } from './stats.js';

/** A configured source as the Ops view lists it; `name` is its metrics label (URL without credentials). */
export interface ConfiguredUpstream {
  readonly name: string;
  readonly kind: 'proxy' | 'direct' | 'sumdb';
  /** Which list it is in: --upstream, --private-upstream, or a checksum database. */
  readonly list: 'upstream' | 'private-upstream' | 'sumdb';
}

/** What eviction is configured to keep (--cache-max-size, --cache-min-free), for the Ops view's storage card. */
export type EvictionFacts = Pick<StorageState, 'cap' | 'minFree' | 'localFiles'>;

export interface DashboardDeps {
  readonly store: BlobStore;
  readonly verdicts: Verdicts;
  readonly own?: RecordedLog;
  readonly stats: ServerStats;
  readonly setup: SetupFacts;
  readonly upstreams: readonly ConfiguredUpstream[];
  readonly eviction: EvictionFacts;
  /** The space on the module cache's file system (a filesystem store), measured when the Ops view asks. */
  readonly space?: () => Promise<DiskSpace>;
  /** The --follow feeds, without credentials (as their metrics and logs name them). */
  readonly feeds: readonly string[];
  readonly mayRead: MayRead;
  /** The key module search cursors are sealed with, the same in every process of the server. */
  readonly cursorKey: CursorKey;
  readonly mayAdmin: MayAdmin;
  /** What a request that may not administer is told (401 or 403). */
  readonly adminRefusal: AdminRefusal;
  /** Whether admin tokens count (--auth private|all), for the Admin view to say so. */
  readonly tokensAccepted: boolean;
  readonly admin: AdminFeatures;
  /** The locks a purge holds and the bundle marks it removes. */
  readonly purge: PurgeGuard;
  /** Replaces private module paths in logs. */
  readonly redact: (modulePath: string) => string;
}
