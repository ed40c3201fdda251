// The system's own errors on local files that a user can fix (a path, a permission, a full disk), as one line
// for a command to print instead of Node's stack trace.

const LOCAL_FILE_CODES = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'ENOTDIR', 'EISDIR', 'EEXIST', 'ENOENT', 'ELOOP', 'ENAMETOOLONG', 'EDQUOT']);

/**
 * `open /x/y: permission denied (EACCES)`, or undefined when `err` is not such an error (then it is a defect).
 * `file`: the file a command was writing, named when the error has no path of its own (a write that found the
 * disk full says only `ENOSPC: no space left on device, write`).
 */
export function localFileProblem(err: unknown, file?: string): string | undefined {
  const e = err as NodeJS.ErrnoException;
  const where = typeof e?.path === 'string' ? e.path : file;
  if (typeof e?.code !== 'string' || !LOCAL_FILE_CODES.has(e.code) || where === undefined) return undefined;
  const what = e.code === 'EACCES' || e.code === 'EPERM' ? 'permission denied' : (e.message.split(', ')[0]?.replace(/^[A-Z]+: /, '') ?? e.code);
  return `${e.syscall ?? 'access'} ${where}: ${what} (${e.code})`;
}

/** Whether the user should look at permissions (and not at a path). */
export const isPermissionProblem = (err: unknown): boolean => ['EACCES', 'EPERM', 'EROFS'].includes((err as NodeJS.ErrnoException)?.code ?? '');
