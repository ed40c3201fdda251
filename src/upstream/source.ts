// The source contract: anything that can fetch the raw bytes of GOPROXY answers for a module — an upstream
// proxy, the chain of them, the git fetcher. Sources only produce bytes (bounded in size); validating,
// verifying and storing them is the fill component's job (src/fill).
import type { Readable } from 'node:stream';
import type { FillDeadline } from './deadline.js';

/** Per-fill options; sources that cannot honour one ignore it (git has its own time limit). */
export interface SourceOptions {
  /** The fill's total deadline, scaled by size: reading stops with GMP_ERR_FILL_DEADLINE when it passes. */
  readonly deadline?: FillDeadline;
  /**
   * Aborted when the process shuts down with the fill still running (nobody waits for it any more): the request
   * stops at once and the fill ends with the signal's reason, which is nothing against the upstream.
   */
  readonly cut?: AbortSignal;
}

export interface RawSource {
  /** Human-readable, credential-free name used in logs and messages. */
  readonly name: string;
  /** Optional: how the source is doing, so that a `|` group asks its best member first. */
  readonly health?: SourceHealth;
  /** `@v/list` body. MUST throw a not-found GmpError when the module is unknown. */
  list(modulePath: string, opts?: SourceOptions): Promise<Buffer>;
  /** `@v/<query>.info` JSON. */
  info(modulePath: string, query: string, opts?: SourceOptions): Promise<Buffer>;
  /** `@latest` JSON. */
  latest(modulePath: string, opts?: SourceOptions): Promise<Buffer>;
  /** `@v/<v>.mod`: the go.mod bytes (at most MAX_GO_MOD). */
  mod(modulePath: string, version: string, opts?: SourceOptions): Promise<Buffer>;
  /**
   * `@v/<v>.zip` (at most MAX_ZIP_FILE bytes): into `file` (created here), or, for a small zip the source read
   * into memory, as `bytes` with `file` left unwritten.
   */
  zip(modulePath: string, version: string, file: string, opts?: SourceOptions): Promise<FetchedZip>;
}

/** A zip: in its scratch file, or (small zips) in memory, with no file written. */
export interface FetchedZip {
  readonly size: number;
  readonly bytes?: Buffer;
}

/** How an upstream is doing (circuit state, latency), and background probes of it. */
export interface SourceHealth {
  /** Lower is better; members of a `|` group with equal ranks keep the user's order. */
  rank(): number;
  /** The source is one of several in a `|` group: keep its latency current with probes while it is idle. */
  watch(): void;
  /** Circuit state and latency, for logs. */
  describe(): string;
}

/** A raw HTTP-like answer from an upstream, before validation. */
export interface RawResponse {
  readonly body: Readable;
  readonly contentLength?: number;
}

/** Fetches GOPROXY-relative paths (`/<escaped module>/@v/list`) from one upstream, mapping statuses to GmpErrors. */
export interface RawFetcher {
  readonly name: string;
  readonly health?: SourceHealth;
  /**
   * GETs relPath and hands the answer to `read`, which consumes the body. A network failure while reading
   * (a reset mid-body) is retried like one before the headers, so `read` must be safe to call again.
   */
  fetch<T>(relPath: string, endpoint: string, read: (res: RawResponse) => Promise<T>, opts?: SourceOptions): Promise<T>;
}
