// Native file-system errors translated at the storage edge: absence is "undefined" to callers, a full disk
// and other local failures are ours (not the upstream's) and say so.
import { GmpError, gmpError } from '../errors.js';

export function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The code of an error (or of its cause) that says this process has no file descriptor left. */
export function outOfDescriptors(err: unknown): string | undefined {
  const codes = [err, (err as { cause?: unknown } | undefined)?.cause].map((e) => (e as { code?: unknown } | undefined)?.code);
  return codes.find((c): c is string => c === 'EMFILE' || c === 'ENFILE');
}

/** A GmpError for a local I/O failure; GmpErrors pass through unchanged. */
export function localIoError(err: unknown, what: string): GmpError {
  if (err instanceof GmpError) return err;
  const code = (err as NodeJS.ErrnoException | undefined)?.code ?? 'EIO';
  // A disk quota used up is a full disk for this proxy (the same 503, log run and eviction), in its own words:
  // df shows room, so "disk full" would send an operator looking in the wrong place.
  if (code === 'ENOSPC') return gmpError('GMP_ERR_STORAGE_FULL', `the proxy's disk is full (ENOSPC) while ${what}; nothing was stored`, err);
  if (code === 'EDQUOT') return gmpError('GMP_ERR_STORAGE_FULL', `the proxy's disk quota is used up (EDQUOT) while ${what}; nothing was stored`, err);
  // Passing (other requests give theirs back): a 503 to retry, not a 500.
  if (code === 'EMFILE' || code === 'ENFILE') return gmpError('GMP_ERR_LOCAL_RESOURCES', `the proxy ran out of file descriptors (${code}) while ${what}`, err);
  return gmpError('GMP_ERR_LOCAL_IO', `local I/O error (${code}) while ${what}`, err);
}
