// Exclusion among the workers of one primary (`serve --workers N` with the local coordinator) through a folder
// they share: holding a name is creating a symbolic link named after it whose target is the holder's pid, in
// one system call that fails when the link exists; giving it back is removing it. No message to the primary
// and no wait for its answer: on a cold graph through two workers, the lease requests and releases took 11–12 %
// of each worker's CPU, and a wake-up of the primary for most of them (docs/performance.md, "Fill locks
// without the primary").
//
// A holder that dies cannot give its names back: the primary, told of the exit, removes the links naming its
// pid (releaseHeldBy) before it starts a replacement. The folder is the primary's scratch area, so one that a
// dead primary left is removed at the next start with the rest of its scratch.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, unlinkSync } from 'node:fs';
import path from 'node:path';
import { gmpError } from '../errors.js';
import { checkName } from './coordinator.js';
import type { Exclusive, Held } from './exclusive.js';
import { pollWhile } from './lease.js';

/** The environment variable through which a primary hands its workers the folder. */
export const FILL_LOCKS_ENV = 'GMP_FILL_LOCKS';

export class FileExclusive implements Exclusive {
  constructor(
    readonly dir: string,
    /** Who holds: this process's pid (another value only where tests play two processes in one). */
    private readonly owner = String(process.pid),
  ) {}

  private fileOf(name: string): string {
    // Names may be longer than a file name may be, and hold '/': a digest is short and safe.
    return path.join(this.dir, createHash('sha256').update(checkName(name)).digest('base64url'));
  }

  async tryHold(name: string): Promise<Held | undefined> {
    const file = this.fileOf(name);
    try {
      link(this.owner, file, this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
      throw unusable(this.dir, err);
    }
    let held = true;
    return {
      release: async () => {
        if (!held) return;
        held = false;
        try {
          unlinkSync(file);
        } catch {
          // Never fails the caller, as a lease's release does not: already removed, nothing is held; a link
          // that cannot be removed keeps waiters waiting, each until its own deadline, then filling itself.
        }
      },
    };
  }

  waitUntilFree(name: string, signal?: AbortSignal): Promise<void> {
    const file = this.fileOf(name);
    return pollWhile(async () => exists(file, this.dir), { signal });
  }
}

/** Creates the link; a folder removed behind our back is made again, once. */
function link(target: string, file: string, dir: string): void {
  try {
    symlinkSync(target, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    mkdirSync(dir, { recursive: true });
    symlinkSync(target, file);
  }
}

function exists(file: string, dir: string): boolean {
  try {
    lstatSync(file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw unusable(dir, err);
  }
}

function unusable(dir: string, err: unknown) {
  return gmpError('GMP_ERR_COORDINATOR_UNAVAILABLE', `the fill locks in ${dir} are not usable: ${(err as Error).message}`);
}

/**
 * Why `dir` cannot hold the locks (a file system without symbolic links, no permission), or undefined when it
 * can: a primary that gets a reason lets its workers hold fills through its leases instead.
 */
export function cannotLock(dir: string): string | undefined {
  const probe = path.join(dir, `probe-${process.pid}`);
  try {
    symlinkSync(String(process.pid), probe);
    unlinkSync(probe);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Gives back every name `owner` (a process that has exited) held; says how many. */
export function releaseHeldBy(dir: string, owner: string): number {
  let released = 0;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const n of names) {
    const file = path.join(dir, n);
    try {
      if (readlinkSync(file) !== owner) continue;
      unlinkSync(file);
      released++;
    } catch {
      // Given back meanwhile (a link of a live holder is never removed here).
    }
  }
  return released;
}
