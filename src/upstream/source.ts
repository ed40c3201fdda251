// The Source contract: anything that can answer the GOPROXY questions for a module — an upstream
// proxy, the chain of them, the git fetcher — composed by wrapping (chain, validation, verification).
import type { Readable } from 'node:stream';
import type { Staged } from '../storage/types.js';

/** A validated `.info` / `@latest` answer; `body` is the exact JSON served to clients. */
export interface Info {
  readonly Version: string;
  readonly Time?: string;
  readonly body: Buffer;
}

/** A validated zip sitting in a staged temp file, ready to commit into the cache (or discard). */
export interface ZipArtifact {
  readonly staged: Staged;
  readonly size: number;
  /** The `h1:` hash of the zip, as go.sum records it. */
  readonly h1: string;
}

/** Where a source writes a zip: the cache's temp-file factory, so no zip is ever held in memory. */
export type StageFn = () => Promise<Staged>;

export interface Source {
  /** Human-readable, credential-free name used in logs and messages. */
  readonly name: string;
  /** `@v/list`: canonical versions. MUST throw a not-found GmpError when the module is unknown. */
  list(modulePath: string): Promise<string[]>;
  /** `@v/<query>.info`: exact canonical versions answer with exactly that Version. */
  info(modulePath: string, query: string): Promise<Info>;
  /** `@latest`. */
  latest(modulePath: string): Promise<Info>;
  /** `@v/<v>.mod`: the exact go.mod bytes. */
  mod(modulePath: string, version: string): Promise<Buffer>;
  /** `@v/<v>.zip`, written into a staged file and validated. */
  zip(modulePath: string, version: string, stage: StageFn): Promise<ZipArtifact>;
}

/** A raw HTTP-like answer from an upstream, before validation. */
export interface RawResponse {
  readonly body: Readable;
  readonly contentLength?: number;
}

/** Fetches a GOPROXY-relative path (`/<escaped module>/@v/list`) from one upstream, mapping statuses to GmpErrors. */
export interface RawFetcher {
  readonly name: string;
  get(relPath: string, endpoint: string): Promise<RawResponse>;
}
