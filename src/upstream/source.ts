// The source contract: anything that can fetch the raw bytes of GOPROXY answers for a module — an upstream
// proxy, the chain of them, the git fetcher. Sources only produce bytes (bounded in size); validating,
// verifying and storing them is the fill component's job (src/fill).
import type { Readable } from 'node:stream';

export interface RawSource {
  /** Human-readable, credential-free name used in logs and messages. */
  readonly name: string;
  /** `@v/list` body. MUST throw a not-found GmpError when the module is unknown. */
  list(modulePath: string): Promise<Buffer>;
  /** `@v/<query>.info` JSON. */
  info(modulePath: string, query: string): Promise<Buffer>;
  /** `@latest` JSON. */
  latest(modulePath: string): Promise<Buffer>;
  /** `@v/<v>.mod`: the go.mod bytes (at most MAX_GO_MOD). */
  mod(modulePath: string, version: string): Promise<Buffer>;
  /** `@v/<v>.zip`: writes the raw bytes into `file` (created here, at most MAX_ZIP_FILE bytes); returns the size. */
  zip(modulePath: string, version: string, file: string): Promise<number>;
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
