// The fill component's vocabulary: what is wanted (an artifact of a module), what a fill produced, the
// gates an artifact must pass before it is stored (checksum verification, policy), and the event it emits.
import { EventEmitter } from 'node:events';
import { fillLockName } from '../coord/exclusive.js';
import { artifactKey, latestKey, listKey, queryKey } from '../storage/keys.js';
import type { PinnedFile } from '../storage/pinned-file.js';

/** info = `.info` of an exact canonical version (immutable); query = any other `.info` (TTL'd). */
export type Kind = 'list' | 'latest' | 'query' | 'info' | 'mod' | 'zip';

export interface Want {
  readonly kind: Kind;
  readonly module: string;
  /** The version or query; '' for list and latest. */
  readonly version: string;
  /** Mutable kinds: a stored answer fetched at or after this time (ms) is fresh enough to reuse. */
  readonly freshAfter?: number;
  /** When the request for it began (ms): a fill's deadline counts from here, so time spent waiting for another process's fill counts too. */
  readonly startedAt?: number;
}

export interface Filled {
  readonly kind: Kind;
  /** The exact bytes to serve: always, but for zips; a zip's when it was validated in memory (small zips). */
  readonly body?: Buffer;
  readonly size: number;
  /** The `h1:` hash of a zip, or of a go.mod. */
  readonly h1?: string;
  /** When the answer was fetched from a source (for stored answers: when it was stored). */
  readonly fetchedAt: number;
  /** Resolves once the answer is stored durably: true, or false when the write failed (logged, never thrown). */
  readonly durable: Promise<boolean>;
  /** A zip still being committed: its validated scratch file, readable until (and a little after) durable. */
  readonly local?: PinnedFile;
}

export interface Fill {
  /** Fetches from the sources, validates, verifies, stores. MUST throw a not-found GmpError when absent upstream. */
  fill(want: Want): Promise<Filled>;
  /** What storage holds now, if anything (for mutable kinds only when fetched at or after want.freshAfter). */
  stored(want: Want): Promise<Filled | undefined>;
}

/** An artifact that passed validation, before it is stored. */
export interface Candidate {
  readonly module: string;
  readonly version: string;
  readonly kind: 'mod' | 'zip';
  readonly h1: string;
  /** The go.mod bytes. */
  readonly body?: Buffer;
  /** The zip, as a local scratch file. */
  readonly file?: string;
  /** Name of the source it came from, for logs. */
  readonly source: string;
  /**
   * Uploaded by a publisher rather than fetched: a checksum database that has no record of the version
   * accepts it (one that records other hashes still refuses it).
   */
  readonly published?: boolean;
}

/** A check every candidate must pass before it is stored (checksum databases, policy); throws to refuse. */
export interface Gate {
  check(candidate: Candidate): Promise<void>;
  /**
   * Told that a fill of a version's .mod or .zip starts, before its download: work that does not need the
   * bytes (a checksum lookup) can run during it. Never throws; what failed is met again in check().
   */
  prepare?(module: string, version: string, kind: 'mod' | 'zip'): void;
  /**
   * Told that a candidate passed every gate, before it is stored: what a gate keeps about a candidate (the
   * checksum gate's verdict) is written now, never for bytes a later gate refuses. Never throws.
   */
  passed?(candidate: Candidate): void;
}

export interface FilledEvent {
  readonly module: string;
  readonly version: string;
  readonly kind: 'info' | 'mod' | 'zip';
  readonly size: number;
  readonly h1?: string;
}

/** Work that must be durable before a zip is stored; it never throws (what it could not do, it does after 'filled'). */
export type BeforeZip = (module: string, version: string) => Promise<void>;

/**
 * Emits 'filled' once an artifact from a source is stored durably. Before a zip is stored, its committer
 * awaits `beforeZip`: what must survive a crash right after the zip is stored (the index feed's marker of the
 * version) is written by then, as 'filled' may never come.
 */
export class FillEvents extends EventEmitter<{ filled: [FilledEvent] }> {
  readonly #beforeZip = new Set<BeforeZip>();

  /** Adds work to do before each zip is stored; returns what removes it. */
  onBeforeZip(work: BeforeZip): () => void {
    this.#beforeZip.add(work);
    return () => this.#beforeZip.delete(work);
  }

  /** For committers: resolves once every such work for this version is done. */
  async beforeZip(module: string, version: string): Promise<void> {
    if (this.#beforeZip.size > 0) await Promise.all([...this.#beforeZip].map((work) => work(module, version)));
  }
}

export function keyOf(want: Want): string {
  switch (want.kind) {
    case 'list':
      return listKey(want.module);
    case 'latest':
      return latestKey(want.module);
    case 'query':
      return queryKey(want.module, want.version);
    default:
      return artifactKey(want.module, want.version, want.kind);
  }
}

/**
 * The name a fill of `want` holds across processes (LockedFill); an upload of the same artifact holds it too.
 * Any module path and query maps to a valid coordination name.
 */
export const lockNameOf = (want: Want): string => fillLockName(keyOf(want));

export const isMutable = (kind: Kind): boolean => kind === 'list' || kind === 'latest' || kind === 'query';

/** Resolved: for answers that are already durable. */
export const DURABLE: Promise<boolean> = Promise.resolve(true);
