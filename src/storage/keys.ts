// Storage keys for module artifacts: the GOPROXY layout with case-encoded paths, so that a
// directory of cached files can also be served by any static file server (nginx, file://).
import { escapePath, escapeVersion } from '../protocol/escape.js';

export type ArtifactKind = 'info' | 'mod' | 'zip' | 'ziphash';

export function artifactKey(modulePath: string, version: string, kind: ArtifactKind): string {
  return `${escapePath(modulePath)}/@v/${escapeVersion(version)}.${kind}`;
}

export function listKey(modulePath: string): string {
  return `${escapePath(modulePath)}/@v/list`;
}

export function latestKey(modulePath: string): string {
  return `${escapePath(modulePath)}/@latest`;
}

/** Non-canonical `.info` queries (branches, hash prefixes) live apart from immutable versions. */
export function queryKey(modulePath: string, query: string): string {
  return `${escapePath(modulePath)}/@q/${escapeVersion(query)}.info`;
}

export function versionsPrefix(modulePath: string): string {
  return `${escapePath(modulePath)}/@v/`;
}
