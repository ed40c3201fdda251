// The JSON of /api/v1/ as the dashboard's views read it (documented in the README): one contract for both
// sides. The routes check every body they send against it (`satisfies`), and the browser code imports it
// through web/types.ts; nothing here may import anything, so the UI bundle never pulls in server code.

export interface Totals {
  /** GOPROXY and checksum-database answers (not /metrics, /healthz, the dashboard itself). */
  readonly requests: number;
  /** Those answered with a 5xx status. */
  readonly errors: number;
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly bytes: number;
  /** A gauge: fills running now. */
  readonly fillsInFlight: number;
  readonly verified: number;
  readonly mismatches: number;
  readonly verifyErrors: number;
}

export interface Series {
  readonly intervalMs: number;
  readonly t: readonly number[];
  readonly requests: readonly number[];
  readonly hitRatio: ReadonlyArray<number | null>;
  readonly errors: readonly number[];
  readonly bytes: readonly number[];
  readonly fills: readonly number[];
  readonly verified: readonly number[];
  readonly mismatches: readonly number[];
  readonly upstreams: Record<string, { readonly latencyMs: ReadonlyArray<number | null>; readonly errors: readonly number[] }>;
}

export interface UpstreamRow {
  readonly name: string;
  readonly kind: string;
  readonly list: string;
  readonly state: 'healthy' | 'idle' | 'half-open' | 'open';
  readonly requests: number;
  readonly errors: number;
  readonly meanLatencyMs: number | null;
}

export interface Ops {
  readonly now: Totals;
  readonly startedAt: number;
  readonly processes: number;
  readonly series: Series;
  readonly hitRatio: number | null;
  readonly upstreams: readonly UpstreamRow[];
  readonly storage: StorageState;
  /** One per --follow feed; empty when not following. */
  readonly follow: readonly FeedState[];
}

/** The module cache against what eviction keeps: what is configured, and only figures that were measured. */
export interface StorageState {
  /** --cache-max-size and its watermarks (percent of it where a pass starts and stops); absent without a cap. */
  readonly cap?: { readonly bytes: number; readonly highPercent: number; readonly lowPercent: number };
  /** --cache-min-free: a size, or a percent of the file system; absent when 0 or when it does nothing (s3:// storage). */
  readonly minFree?: { readonly bytes: number } | { readonly percent: number };
  /** Whether the module cache is files on a local file system (--cache-min-free applies, its space is measured). */
  readonly localFiles: boolean;
  /** Bytes in the module cache at the last eviction check (gomodproxy_cache_store_bytes) and when (ms since the epoch); absent before one. */
  readonly measured?: { readonly bytes: number; readonly at: number };
  /** The space on the module cache's file system now (statfs, available to the proxy's user). */
  readonly disk?: { readonly available: number; readonly size: number };
}

/** A followed feed (--follow) over the server's processes. */
export interface FeedState {
  /** The feed's URL without credentials. */
  readonly feed: string;
  /** A process of this server follows it now (holds its lease); false while another replica does, or between holders. */
  readonly following: boolean;
  /** gomodproxy_follow_lag_seconds of the process following it; absent before its first catch-up. */
  readonly lagSeconds?: number;
  /** gomodproxy_follow_refused: the parent refuses the follower (401/403), which retries without skipping anything. */
  readonly refused: boolean;
  /** Entries by result (stored, present, gone, denied, denied_upstream, failed, ignored, invalid, private), counted by the processes running now. */
  readonly entries: Readonly<Record<string, number>>;
  /** Failures reading the feed or storing a version (each retried), counted by the processes running now. */
  readonly errors: number;
}

/** What the Setup view shows of the configuration (patterns only to requests that may read what they match). */
export interface SetupConfig {
  readonly version: string;
  readonly upstream: string;
  readonly privateUpstream: string;
  readonly sumdbs: ReadonlyArray<{ readonly name: string; readonly url: string }>;
  readonly ownSumdb?: { readonly name: string; readonly verifierKey: string };
  readonly storage: string;
  readonly workers: number;
  readonly listen: string;
  /** GOPRIVATE-style patterns: shown only to requests that may read what they match. */
  readonly private: readonly string[];
  readonly noSumdb: readonly string[];
  readonly cache: { readonly listTTLms: number; readonly negativeTTLms: number; readonly memoryBytes: number };
}

export interface Setup {
  readonly url: string;
  /** One `go env -w` line per variable. */
  readonly goEnv: readonly string[];
  readonly notes: readonly string[];
  readonly snippets: ReadonlyArray<{ readonly format: string; readonly title: string; readonly text: string }>;
  /** The configuration, less the patterns this request may not see (counted in hiddenPatterns). */
  readonly config: SetupConfig & { readonly hiddenPatterns: number };
}

export interface SearchPage {
  readonly modules: readonly string[];
  /** Opaque: pass it back with the same q for the next page. */
  readonly cursor?: string;
}

export interface VersionRow {
  readonly version: string;
  /** The `.info` Time, when the .info is cached. */
  readonly time?: string;
  /** Bytes of the cached zip. */
  readonly size?: number;
  /** h1 of the zip (its .ziphash) and of the go.mod. */
  readonly h1?: string;
  readonly goModH1?: string;
  readonly retracted: boolean;
  /** Zip downloads since the server started. */
  readonly downloads: number;
  /** Which of .info, .mod, .zip are cached. */
  readonly cached: readonly string[];
}

export interface ModuleDetails {
  readonly path: string;
  /** Newest first. */
  readonly versions: readonly VersionRow[];
  /** The version whose go.mod the notes come from. */
  readonly notesFrom?: string;
  readonly deprecated?: string;
  /** More versions are cached than are listed. */
  readonly truncated: boolean;
}

export interface Verdict {
  readonly h1: string;
  readonly by: readonly string[];
  readonly unknownTo?: readonly string[];
  readonly skipped?: 'private' | 'nosumdb' | 'off';
  readonly at: string;
}

export interface OwnRecord {
  readonly name: string;
  readonly recorded: boolean;
  readonly id?: number;
  readonly h1?: string;
  readonly goModH1?: string;
}

export interface VersionDetails {
  readonly path: string;
  readonly version: string;
  readonly time?: string;
  readonly size?: number;
  readonly h1?: string;
  readonly goModH1?: string;
  readonly goMod?: string;
  /** Which databases verified the zip and the go.mod when they were filled; absent when not recorded. */
  readonly verified: { readonly zip?: Verdict; readonly goMod?: Verdict };
  /** The own checksum database's record, when it runs. */
  readonly ownDb?: OwnRecord;
  readonly downloads: number;
  readonly cached: readonly string[];
}

export interface FileList {
  readonly path: string;
  readonly version: string;
  readonly files: ReadonlyArray<{ readonly name: string; readonly size: number }>;
  readonly truncated: boolean;
}

export interface Feature {
  readonly available: boolean;
  readonly reason?: string;
}

export interface Admin {
  readonly admin: boolean;
  /** Whether admin tokens count here (--auth private|all). */
  readonly tokensAccepted: boolean;
  /** The name of the token the request carried, when it carried a valid one. */
  readonly token?: string;
  readonly features: { readonly tokens: Feature; readonly pins: Feature; readonly purge: Feature };
}

/** A token as the Admin view lists it: never its secret, never the hash kept of it. */
export interface TokenRow {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** ISO times. */
  readonly created: string;
  readonly expires?: string;
  readonly revoked?: string;
  readonly status: 'active' | 'expired' | 'revoked';
}

export interface PinRow {
  readonly module: string;
  readonly version: string;
  /** `pin`: set with `gomodproxy pin` or the Admin view (may be unpinned); `config`: a --pin-from file's. */
  readonly from: 'pin' | 'config';
}

/** DELETE /api/v1/admin/pins/…: the pin removed; `pinFrom` when --pin-from files still pin the version (it stays pinned). */
export interface Unpinned {
  readonly unpinned: { readonly module: string; readonly version: string };
  readonly pinFrom?: readonly string[];
}

export interface TokenList {
  readonly tokens: readonly TokenRow[];
}

export interface PinList {
  readonly pins: readonly PinRow[];
  /** Whether an evictor runs (--cache-max-size): without one, pins change nothing yet. */
  readonly eviction: boolean;
}
