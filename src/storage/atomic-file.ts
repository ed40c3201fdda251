// Atomic replacement of a file at any path (outside the keyed cache): what the checksum log's commit
// point, the signer key and the coordinator's values need to survive a crash whole or not at all. A write
// that fails removes its temp file; one that a crash interrupted is removed at the next start.
import { randomBytes } from 'node:crypto';
import { open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { alive } from '../coord/process-alive.js';
import { safeHost } from './scratch.js';

/** Temp files of other hosts (a shared file system) are removed only when untouched this long. */
const FOREIGN_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
/** `<file>.tmp-<pid>[-<random>][@<host>]`: the pid says whether the writer may still be at work. */
const TEMP = /\.tmp-(\d+)(?:-[0-9a-z]+)?(?:@(.+))?$/;

/** A temp name next to `file` that says which process writes it. */
export function atomicTempName(file: string): string {
  return `${file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}@${safeHost()}`;
}

/** temp file, fsync, rename, fsync the directory: the commit survives a crash or is not there at all. */
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = atomicTempName(file);
  try {
    const fh = await open(tmp, 'w', 0o600);
    try {
      await fh.writeFile(data);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // A full disk or a failed rename must not leave the half-written temp file behind.
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const d = await open(path.dirname(file), 'r');
  await d.sync().finally(() => d.close());
}

/**
 * Removes the temp files in `dir` (not below it) that processes which no longer run left when a crash
 * interrupted an atomic write; the temp files of running processes stay. Returns how many were removed.
 */
export async function removeAtomicLeftovers(dir: string): Promise<number> {
  let removed = 0;
  const host = safeHost();
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const m = TEMP.exec(name);
    if (m === null) continue;
    const full = path.join(dir, name);
    const pid = Number(m[1]);
    const mine = m[2] === undefined || m[2] === host;
    // Our own pid on a file older than this process: a previous process that had the same pid (containers).
    const dead = !mine ? await olderThan(full, FOREIGN_MAX_AGE_MS) : pid === process.pid ? await olderThan(full, process.uptime() * 1000) : !alive(pid);
    if (
      dead &&
      (await unlink(full).then(
        () => true,
        () => false,
      ))
    )
      removed++;
  }
  return removed;
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const st = await stat(file).catch(() => undefined);
  return st !== undefined && Date.now() - st.mtimeMs > ms;
}
