// The one error registry: every known failure has a stable code, an HTTP status and a message.
// The go command falls through to the next GOPROXY entry only on 404/410, so statuses are exact.

export interface ErrorSpec {
  readonly status: number;
  /** Whether the failure came from an upstream, so the answer must not be cached (no-store). */
  readonly upstream?: boolean;
  /** Seconds a client should wait before retrying (sent as Retry-After with 503 answers). */
  readonly retryAfter?: number;
  /** The proxy's own resources failed (its disk): not the upstream's fault, so logged at error, not warn. */
  readonly local?: boolean;
  /** Which dependency failed, for the log line ("storage failure"); an `upstream` failure names the upstream by default. */
  readonly dependency?: 'storage' | 'coordinator' | 'validation hook';
  readonly description: string;
}

export const ERRORS = {
  GMP_ERR_REQUEST_INVALID: { status: 400, description: 'The request path, module path or version is malformed.' },
  GMP_ERR_REQUEST_METHOD: { status: 405, description: 'Only GET and HEAD are allowed.' },
  GMP_ERR_REQUEST_RANGE: { status: 416, description: 'The Range header cannot be satisfied.' },
  GMP_ERR_REQUEST_TIMEOUT: { status: 408, description: 'The client did not send a complete request in time.' },
  GMP_ERR_REQUEST_TOO_LARGE: { status: 413, description: 'The request body is larger than the endpoint accepts.' },
  GMP_ERR_REQUEST_HEADERS: { status: 431, description: 'The request header fields are too large.' },
  GMP_ERR_NOT_FOUND: { status: 404, description: 'The module, version or endpoint does not exist.' },
  GMP_ERR_GONE: { status: 410, description: 'The module version existed but is gone for good.' },
  GMP_ERR_NOT_CACHED: { status: 404, description: 'Cache-only request for something not in the cache.' },
  GMP_ERR_DIRECT_DISABLED: { status: 404, description: 'The upstream list reached "direct", which is not enabled.' },
  GMP_ERR_UPSTREAM_OFF: { status: 404, description: 'The upstream list is "off": only cached content is served.' },
  GMP_ERR_FORBIDDEN: { status: 403, description: 'A policy forbids this request.' },
  GMP_ERR_UPSTREAM_UNREACHABLE: { status: 502, upstream: true, description: 'No upstream could be reached.' },
  GMP_ERR_UPSTREAM_STATUS: { status: 502, upstream: true, description: 'An upstream answered with an error status.' },
  GMP_ERR_UPSTREAM_BAD_CONTENT: { status: 502, upstream: true, description: 'An upstream sent content that failed validation.' },
  GMP_ERR_UPSTREAM_TIMEOUT: { status: 504, upstream: true, description: 'An upstream did not answer in time.' },
  GMP_ERR_UPSTREAM_CIRCUIT_OPEN: {
    status: 503,
    upstream: true,
    retryAfter: 1,
    description: 'The upstream is skipped after repeated failures (Retry-After: the rest of its cooldown).',
  },
  GMP_ERR_CHECKSUM_MISMATCH: { status: 502, upstream: true, description: 'Content disagrees with the checksum database.' },
  GMP_ERR_SUMDB: { status: 502, upstream: true, description: 'The checksum database could not be consulted or verified.' },
  GMP_ERR_SUMDB_UNKNOWN_VERSION: {
    status: 502,
    upstream: true,
    description: 'No configured checksum database knows this module version (and it was not published here): it is not stored or served.',
  },
  GMP_ERR_STORAGE_UNAVAILABLE: {
    status: 503,
    upstream: true,
    dependency: 'storage',
    retryAfter: 5,
    description: 'The storage backend cannot be reached; retry shortly.',
  },
  GMP_ERR_STORAGE_FULL: {
    status: 503,
    upstream: true,
    local: true,
    retryAfter: 30,
    description: "The proxy's own disk is full (ENOSPC) or its disk quota is used up (EDQUOT); nothing was stored.",
  },
  GMP_ERR_COORDINATOR_UNAVAILABLE: {
    status: 503,
    upstream: true,
    dependency: 'coordinator',
    retryAfter: 5,
    description: 'The coordinator (PostgreSQL, Redis, the primary process) cannot be reached.',
  },
  GMP_ERR_LOCAL_RESOURCES: {
    status: 503,
    upstream: true,
    local: true,
    retryAfter: 5,
    description: 'The proxy ran out of file descriptors (EMFILE, ENFILE); nothing was stored; retry shortly.',
  },
  GMP_ERR_LOCAL_IO: { status: 500, description: 'A local I/O error on the proxy itself (permissions, disk failure).' },
  GMP_ERR_SHUTTING_DOWN: { status: 503, retryAfter: 1, description: 'The server is shutting down; retry on another instance.' },
  GMP_ERR_CONFIG: { status: 500, description: 'The configuration is invalid.' },
  GMP_ERR_INTERNAL: { status: 500, description: 'An unexpected internal error.' },
  GMP_ERR_FILL_DEADLINE: {
    status: 504,
    upstream: true,
    description: 'An upstream sent an answer too slowly: the fill passed its deadline (--fill-deadline plus the size at --fill-min-rate).',
  },
  GMP_ERR_BUNDLE_INVALID: {
    status: 422,
    description: 'An offline bundle failed verification (a tampered, forged or missing entry); nothing from it was stored.',
  },
  GMP_ERR_HOOK_UNAUTHORIZED: { status: 401, description: 'A refresh webhook without a valid signature or token for the hook secret.' },
  GMP_ERR_AUTH_REQUIRED: { status: 401, description: 'Missing or invalid credentials for a protected path (sent with WWW-Authenticate).' },
  GMP_ERR_AUTH_SCOPE: { status: 403, description: 'A valid token without a scope that covers this request.' },
  GMP_ERR_AUTH_RATE_LIMITED: { status: 429, retryAfter: 60, description: 'Too many failed authentication attempts from this address.' },
  GMP_ERR_POLICY_DENIED: { status: 403, description: 'A deny rule or the validation hook refuses this module version.' },
  GMP_ERR_UPSTREAM_DENIED: {
    status: 403,
    description: 'The upstream, another gomodproxy, refuses this module version by its policy: its 403 is passed on with its message.',
  },
  GMP_ERR_POLICY_HOOK: {
    status: 503,
    upstream: true,
    dependency: 'validation hook',
    retryAfter: 5,
    description: 'The validation hook could not be asked (fail-closed).',
  },
  GMP_ERR_PUBLISH_CONFLICT: { status: 409, description: 'The version is already published or cached with different content.' },
  GMP_ERR_PUBLISH_INVALID: { status: 422, description: 'The uploaded zip, go.mod or .info breaks the module rules.' },
  GMP_ERR_NOT_AVAILABLE: { status: 501, description: 'The feature is not available in this build.' },
  GMP_ERR_BUNDLE_REFUSED: {
    status: 422,
    description:
      'An imported bundle failed a check (a changed byte, a record or tree head its keys do not prove, an entry it may not hold); nothing of it was stored (unless a fill stored other content for one of its versions during the commit: the message says how many versions were stored before).',
  },
  GMP_ERR_LOCK_WAIT: {
    status: 503,
    retryAfter: 60,
    description:
      'A bundle import (--bundle-lock-wait) or an upload (--publish-lock-wait) gave up waiting for a version another fill, import or upload holds; nothing of that version was stored (an import keeps the versions it stored before), and trying again once it is free completes it.',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/**
 * The header every error answer names its code in. A follower reads it from its upstream: a 403 whose code is
 * GMP_ERR_POLICY_DENIED is that proxy's policy refusing one version (retrying changes nothing), any other 403 or
 * a 401 says the follower's own credentials need fixing.
 */
export const ERROR_CODE_HEADER = 'x-gomodproxy-error';

/** A known failure. `message` is safe to show to clients (no credentials, no private paths of others). */
export class GmpError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly upstream: boolean;
  readonly retryAfter: number | undefined;
  readonly local: boolean;
  /** The dependency whose failure this is (the upstream, the storage, the coordinator, the validation hook), if any. */
  readonly dependency: string | undefined;

  /** options.retryAfter: seconds known for this failure only (the rest of a cooldown), instead of the code's. */
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; retryAfter?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GmpError';
    this.code = code;
    const spec: ErrorSpec = ERRORS[code];
    this.status = spec.status;
    this.upstream = spec.upstream ?? false;
    this.retryAfter = options?.retryAfter ?? spec.retryAfter;
    this.local = spec.local ?? false;
    this.dependency = spec.dependency ?? (spec.upstream === true ? 'upstream' : undefined);
  }

  /** 404 and 410 are the answers that let a client (or our own chain) try the next entry after `,`. */
  get notFound(): boolean {
    return this.status === 404 || this.status === 410;
  }
}

export function gmpError(code: ErrorCode, message: string, cause?: unknown): GmpError {
  return new GmpError(code, message, cause === undefined ? undefined : { cause });
}

export function isGmpError(err: unknown, code?: ErrorCode): err is GmpError {
  return err instanceof GmpError && (code === undefined || err.code === code);
}

export function isNotFound(err: unknown): boolean {
  return err instanceof GmpError && err.notFound;
}

/** Maps any thrown value to a GmpError; unknown errors become GMP_ERR_INTERNAL (the only 500). */
export function toGmpError(err: unknown): GmpError {
  if (err instanceof GmpError) return err;
  return new GmpError('GMP_ERR_INTERNAL', 'internal error', { cause: err });
}

/**
 * The failures of this process's own files that are not an I/O error like any other (each has its own error
 * below): a full disk, a used-up quota, no file descriptor left. A place that tells ours from someone else's by
 * the code (direct mode: git's and our own writes) uses this one list.
 */
export const OWN_FAILURE_CODES: ReadonlySet<string> = new Set(['ENOSPC', 'EDQUOT', 'EMFILE', 'ENFILE']);

/**
 * A GmpError for a failure of this process's own files (the storage edge, the local coordinator's values);
 * GmpErrors pass through unchanged.
 */
export function localIoError(err: unknown, what: string): GmpError {
  if (err instanceof GmpError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  if (!OWN_FAILURE_CODES.has(code)) return gmpError('GMP_ERR_LOCAL_IO', `local I/O error (${code}) while ${what}`, err);
  // A disk quota used up is a full disk for this proxy (the same 503, log run and eviction), in its own words:
  // df shows room, so "disk full" would send an operator looking in the wrong place.
  if (code === 'ENOSPC') return gmpError('GMP_ERR_STORAGE_FULL', `the proxy's disk is full (ENOSPC) while ${what}; nothing was stored`, err);
  if (code === 'EDQUOT') return gmpError('GMP_ERR_STORAGE_FULL', `the proxy's disk quota is used up (EDQUOT) while ${what}; nothing was stored`, err);
  // Passing (other requests give theirs back): a 503 to retry, not a 500. (EMFILE, ENFILE: the rest of the list.)
  return gmpError('GMP_ERR_LOCAL_RESOURCES', `the proxy ran out of file descriptors (${code}) while ${what}`, err);
}
