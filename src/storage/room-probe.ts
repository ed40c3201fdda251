// Whether a full disk has room again, asked without waiting for the next store: the folders the proxy writes to
// must show a margin free (statfs) and take a small write (a disk quota, EDQUOT, shows only to a write). Asked
// at most every few seconds, and only while the disk is known to be full (storage/local-failures.ts).
import { randomBytes } from 'node:crypto';
import { mkdir, open, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { safeHost } from './scratch.js';

/** Free bytes below this are still a full disk: the next fill would most likely fail again. */
const MARGIN = 1 << 20;
/** What the probe writes: small enough never to take the room a fill needs for long. */
const PROBE = Buffer.alloc(64 << 10);

/** True when every folder has room; false on any failure (a disk that cannot be asked is not known to have room). */
export function roomProbe(dirs: readonly string[]): () => Promise<boolean> {
  return async () => {
    for (const dir of dirs) if (!(await hasRoom(dir))) return false;
    return true;
  };
}

async function hasRoom(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { recursive: true });
    const s = await statfs(dir);
    if (s.bavail * s.bsize < MARGIN) return false;
    // A temp name that says who wrote it: what a crash leaves here is removed at the next start.
    const file = path.join(dir, `room-probe.tmp-${process.pid}-${randomBytes(4).toString('hex')}@${safeHost()}`);
    try {
      const fh = await open(file, 'wx', 0o600);
      await fh.writeFile(PROBE).finally(() => fh.close());
      return true;
    } finally {
      await unlink(file).catch(() => undefined);
    }
  } catch {
    return false;
  }
}
