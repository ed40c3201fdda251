// What a failed upstream request says about the upstream: whether it is worth retrying, and whether it is
// evidence that the host is down (counted by the circuit breaker) or only trouble with one module or path.
import { errors as undiciErrors } from 'undici';
import { GmpError, gmpError } from '../errors.js';
import { outOfDescriptors } from '../storage/local-errors.js';
import { UpstreamStatusError } from './upstream-errors.js';

export interface Fault {
  readonly error: GmpError;
  readonly retryable: boolean;
  /**
   * The breaker's key: failures with one key count once. `undefined` = the host itself is unreachable
   * (each counts); `null` = not the upstream's fault at all (it answered: bad content, our own disk).
   */
  readonly key: string | undefined | null;
}

/** Errors that happen before a connection is up: nothing any module could cause. */
const HOST_DOWN = /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EAI_NONAME|EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|UND_ERR_CONNECT_TIMEOUT)$|CERT|TLS|SSL/;
/** Statuses a gateway or an overloaded host answers for any path. */
const HOST_STATUS = new Set([502, 503, 504]);

/**
 * Maps a raw transport error to the registry: timeouts are 504s, everything else unreachable (502), except a
 * socket this process could not open for want of file descriptors: ours (503), not the upstream's.
 * `role` is what the messages call the server: `upstream`, or `feed` for a followed index feed.
 */
export function transportError(upstream: string, err: unknown, role = 'upstream'): GmpError {
  if (err instanceof GmpError) return err;
  const fds = outOfDescriptors(err);
  if (fds !== undefined) return gmpError('GMP_ERR_LOCAL_RESOURCES', `the proxy ran out of file descriptors (${fds}) while asking ${role} ${upstream}`, err);
  const timeout =
    err instanceof undiciErrors.ConnectTimeoutError || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
  const reason = (err as Error | undefined)?.message ?? String(err);
  return timeout
    ? gmpError('GMP_ERR_UPSTREAM_TIMEOUT', `${role} ${upstream} timed out: ${reason}`, err)
    : gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', `${role} ${upstream} unreachable: ${reason}`, err);
}

/** Errors of the connection or the HTTP exchange (undici's, or a socket's errno), as opposed to bugs. */
export function isTransportError(err: unknown): boolean {
  if (err instanceof undiciErrors.UndiciError) return true;
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && /^E[A-Z]+$|^UND_ERR_|^ERR_(TLS|SSL|STREAM_PREMATURE_CLOSE)/.test(code);
}

/** Classifies a failure of a request for relPath (already mapped to the registry; `cause` kept). */
export function faultOf(error: GmpError, relPath: string): Fault {
  const mod = `module:${moduleOf(relPath)}`;
  switch (error.code) {
    case 'GMP_ERR_UPSTREAM_UNREACHABLE':
      return { error, retryable: true, key: hostDown(error.cause) ? undefined : mod };
    case 'GMP_ERR_UPSTREAM_TIMEOUT':
      // A connect timeout says the host is down; a slow answer may be one module's (a big repository).
      return { error, retryable: false, key: hostDown(error.cause) ? undefined : mod };
    case 'GMP_ERR_UPSTREAM_STATUS': {
      if (!(error instanceof UpstreamStatusError)) return { error, retryable: false, key: mod };
      const status = error.upstreamStatus;
      // Below 500 the host answered for itself (403 for one module, say): not a sign that it is down.
      if (status < 500) return { error, retryable: false, key: null };
      // 502/503/504 speak for the host, but one path answering them again and again counts once.
      return { error, retryable: true, key: HOST_STATUS.has(status) ? `path:${relPath}` : mod };
    }
    default:
      return { error, retryable: false, key: null };
  }
}

function hostDown(cause: unknown): boolean {
  if (cause instanceof undiciErrors.ConnectTimeoutError) return true;
  const e = cause as { code?: unknown; cause?: unknown } | undefined;
  if (typeof e?.code === 'string' && HOST_DOWN.test(e.code)) return true;
  return e?.cause !== undefined && e.cause !== cause && hostDown(e.cause);
}

/** The module part of a GOPROXY path (`/golang.org/x/text/@v/list` → `/golang.org/x/text`); other paths whole. */
export function moduleOf(relPath: string): string {
  const at = relPath.search(/\/@(v\/|latest$)/);
  return at >= 0 ? relPath.slice(0, at) : relPath;
}
