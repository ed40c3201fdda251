// Parses a GOPROXY request path (§1.1, pitfall 1): percent-decode each segment first, then undo the
// `!` case-encoding, then validate module path and version. Anything malformed is a 400 with a reason.
import { gmpError } from '../errors.js';
import { unescapePath, unescapeVersion } from './escape.js';
import { check, isCanonicalModuleVersion } from './module-path.js';

export type Endpoint = 'list' | 'info' | 'mod' | 'zip' | 'latest';

export interface GoproxyRequest {
  readonly endpoint: Endpoint;
  /** The real (unescaped) module path. */
  readonly module: string;
  /** The real version or query; empty for list and latest. */
  readonly version: string;
  /** `/cached-only/` prefix: answer from the cache alone. */
  readonly cachedOnly: boolean;
}

export const MAX_PATH_BYTES = 2048;
export const MAX_MODULE_BYTES = 700;
export const MAX_VERSION_BYTES = 280;
const CACHED_ONLY = '/cached-only/';

export function parseRequestPath(rawUrl: string): GoproxyRequest {
  let raw = rawUrl;
  const q = raw.search(/[?#]/);
  if (q >= 0) raw = raw.slice(0, q);
  if (raw.length > MAX_PATH_BYTES) throw invalid(`request path longer than ${MAX_PATH_BYTES} bytes`);
  let cachedOnly = false;
  if (raw.startsWith(CACHED_ONLY)) {
    cachedOnly = true;
    raw = raw.slice(CACHED_ONLY.length - 1);
  }
  if (!raw.startsWith('/')) throw invalid('request path must start with /');
  const segments = raw.slice(1).split('/').map(decodePathSegment);
  const last = segments[segments.length - 1] ?? '';
  let endpoint: Endpoint;
  let modSegments: string[];
  let escapedVersion = '';
  if (last === '@latest') {
    endpoint = 'latest';
    modSegments = segments.slice(0, -1);
  } else if (segments.length >= 3 && segments[segments.length - 2] === '@v') {
    modSegments = segments.slice(0, -2);
    if (last === 'list') {
      endpoint = 'list';
    } else {
      const m = /^(.+)\.(info|mod|zip)$/.exec(last);
      if (m === null) throw notFound(`unknown endpoint @v/${last}: expected list, <version>.info, .mod or .zip`);
      escapedVersion = m[1] as string;
      endpoint = m[2] as Endpoint;
    }
  } else {
    throw notFound('unknown endpoint: GOPROXY paths end in /@v/list, /@v/<version>.{info,mod,zip} or /@latest');
  }
  if (modSegments.length === 0) throw invalid('missing module path');
  const escapedModule = modSegments.join('/');
  // Storage keys are at most 1024 bytes (storage/keys.ts): the module's escaped path, then what follows it.
  if (escapedModule.length > MAX_MODULE_BYTES) throw invalid(`module path longer than ${MAX_MODULE_BYTES} bytes (escaped): more than this proxy stores`);
  if (escapedVersion.length > MAX_VERSION_BYTES)
    throw invalid(`version or query longer than ${MAX_VERSION_BYTES} bytes (escaped): more than this proxy stores`);
  const module = badRequest(() => unescapePath(escapedModule));
  const version = escapedVersion === '' ? '' : badRequest(() => unescapeVersion(escapedVersion));
  if (endpoint === 'mod' || endpoint === 'zip') {
    if (!isCanonicalModuleVersion(version)) {
      throw invalid(`invalid version ${JSON.stringify(version)}: .mod and .zip are served for canonical versions only`);
    }
    const reason = check(module, version);
    if (reason !== undefined) throw invalid(reason);
  }
  return { endpoint, module, version, cachedOnly };
}

/** Prefixes the escaping layer's reasons the way every other 400 here reads. */
function badRequest<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw invalid((err as Error).message.replace(/\n$/, ''));
  }
}

/** Percent-decodes one path segment, refusing encoded slashes, `.`/`..` and control characters (400). */
export function decodePathSegment(seg: string): string {
  let out: string;
  try {
    out = decodeURIComponent(seg);
  } catch {
    throw invalid('malformed percent-encoding in request path');
  }
  if (out.includes('/')) throw invalid('encoded slash (%2F) in request path');
  if (out === '.' || out === '..') throw invalid('path traversal ("." or "..") in request path');
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(out)) throw invalid('control character in request path');
  return out;
}

/** Percent-decodes a path of `/`-separated segments, each by decodePathSegment's rules (400 on a bad one). */
export function decodePath(raw: string): string {
  return raw.split('/').map(decodePathSegment).join('/');
}

function invalid(reason: string): Error {
  return gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${reason}`);
}

function notFound(reason: string): Error {
  return gmpError('GMP_ERR_NOT_FOUND', `not found: ${reason}`);
}
