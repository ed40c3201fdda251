// Native file-system errors translated at the storage edge: absence is "undefined" to callers, a full disk
// and other local failures are ours (not the upstream's) and say so (localIoError, in errors.ts: the local
// coordinator's value files are written below this layer).

export function isAbsent(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** The code of an error (or of its cause) that says this process has no file descriptor left. */
export function outOfDescriptors(err: unknown): string | undefined {
  const codes = [err, (err as { cause?: unknown } | undefined)?.cause].map((e) => (e as { code?: unknown } | undefined)?.code);
  return codes.find((c): c is string => c === 'EMFILE' || c === 'ENFILE');
}
