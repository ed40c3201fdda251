// The bundle's table of contents, its first entry: every module version with the hashes of its artifacts
// (h1 of the .mod and .zip as go.sum has them, sha256 of the .info), and the checksum databases whose
// proofs it carries. Entry names follow the GOPROXY layout under cache/ and the sumdb protocol under sumdb/.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { artifactKey, listKey } from '../storage/keys.js';
import type { ArtifactKind } from '../storage/keys.js';

export const MANIFEST = 'gomodproxy-bundle.json';
export const FORMAT = 'gomodproxy-bundle/1';

const h1 = z.string().regex(/^h1:[A-Za-z0-9+/]{43}=$/);

const moduleEntry = z
  .object({
    path: z.string().min(1).max(1000),
    version: z.string().min(1).max(300),
    info: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    mod: h1,
    zip: h1,
    zipSize: z.number().int().nonnegative(),
    /** Databases whose proofs for this version the bundle carries. */
    proofs: z.array(z.string()).max(16),
  })
  .strict();

export const manifestSchema = z
  .object({
    format: z.literal(FORMAT),
    created: z.string(),
    source: z.string(),
    databases: z.array(z.object({ name: z.string().min(1).max(300), tree: z.number().int().nonnegative() }).strict()).max(16),
    modules: z.array(moduleEntry).max(1_000_000),
  })
  .strict();

export type Manifest = z.output<typeof manifestSchema>;
export type ModuleEntry = z.output<typeof moduleEntry>;

export const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export const cacheEntry = (modulePath: string, version: string, kind: Exclude<ArtifactKind, 'ziphash'>): string =>
  `cache/${artifactKey(modulePath, version, kind)}`;
export const listEntry = (modulePath: string): string => `cache/${listKey(modulePath)}`;
/** rel is `latest`, `lookup/…` or `tile/…`, as the database serves them. */
export const sumdbEntry = (db: string, rel: string): string => `sumdb/${db}/${rel}`;

/** Which database a `sumdb/…` entry belongs to (names may hold '/': the longest listed one wins), and the rest. */
export function parseSumdbEntry(name: string, dbs: readonly string[]): { db: string; rel: string } | undefined {
  const db = dbs.filter((d) => name.startsWith(`sumdb/${d}/`)).sort((a, b) => b.length - a.length)[0];
  return db === undefined ? undefined : { db, rel: name.slice(`sumdb/${db}/`.length) };
}
