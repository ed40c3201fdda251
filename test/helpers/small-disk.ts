// A real small file system for full-disk tests: a tmpfs of a few MiB (only root may mount one; CI runs as root),
// and a file that takes every byte left on it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface SmallDisk {
  readonly mnt: string;
  /** Writes `name` on the disk until it has no room left (the write that fails says ENOSPC), then gives `leave` bytes back. */
  fill(name?: string, leave?: number): Promise<void>;
  /** Removes what fill wrote: room again. */
  free(name?: string): Promise<void>;
  unmount(): Promise<void>;
}

/** A tmpfs of `size` mounted on a new folder, or undefined where mounting is not allowed (the test skips then). */
export async function mountSmallDisk(size = '4m'): Promise<SmallDisk | undefined> {
  const mnt = await mkdtemp(path.join(tmpdir(), 'gmp-small-'));
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mnt]).then(
    () => true,
    () => false,
  );
  if (!mounted) {
    await rm(mnt, { recursive: true, force: true });
    return undefined;
  }
  return {
    mnt,
    fill: async (name = 'filler', leave = 0) => {
      const fh = await open(path.join(mnt, name), 'w');
      const chunk = Buffer.alloc(64 << 10, 1);
      try {
        for (;;) await fh.write(chunk);
      } catch (err) {
        assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
        if (leave > 0) await fh.truncate(Math.max(0, (await fh.stat()).size - leave));
      } finally {
        await fh.close();
      }
    },
    free: (name = 'filler') => rm(path.join(mnt, name), { force: true }),
    unmount: async () => {
      await run('umount', [mnt]).catch(() => undefined);
      await rm(mnt, { recursive: true, force: true }).catch(() => undefined);
    },
  };
}
