// A setting whose value only shows itself wrong when the server starts (a file that is not there, a key that
// does not parse): a GMP_ERR_CONFIG naming the setting in its three forms, which `serve` prints in one line.
import { readFileSync } from 'node:fs';
import { OPTIONS } from '../config/options.js';
import { gmpError } from '../errors.js';
import type { GmpError } from '../errors.js';

/** `--tls-cert (GOMODPROXY_TLS_CERT, tls.cert)`, for the setting of that flag. */
export function settingName(flag: string): string {
  const o = OPTIONS.find((x) => x.flag === flag);
  return o === undefined ? `--${flag}` : `--${o.flag} (${o.env}, ${o.key})`;
}

/** The error for a setting the server cannot use; `why` must not hold a secret the setting carries. */
export function settingError(flag: string, why: string, cause?: unknown): GmpError {
  return gmpError('GMP_ERR_CONFIG', `${settingName(flag)}: ${why}`, cause);
}

/** Why a file named by a setting cannot be used: `no such file`, `permission denied`, or the system's words. */
export function fileReason(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return 'no such file or directory (ENOENT)';
  if (e?.code === 'EACCES' || e?.code === 'EPERM') return `permission denied (${e.code})`;
  if (e?.code === 'EISDIR') return 'a directory, not a file (EISDIR)';
  return typeof e?.code === 'string' ? `${e.code}` : String((err as Error)?.message ?? err);
}

/** Throws the setting's error unless FILE can be read (a missing file, a directory, no permission). */
export function assertReadable(flag: string, file: string): void {
  try {
    readFileSync(file);
  } catch (err) {
    throw settingError(flag, `cannot read ${file}: ${fileReason(err)}`, err);
  }
}
