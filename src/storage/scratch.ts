// A per-instance scratch area for files being filled: <root>/<host>-<pid>-<random>/. No other instance
// touches it; at start an instance removes only the areas of dead processes on its own host (and legacy
// loose temp files), so processes sharing a data directory never wipe each other's fills.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, stat, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { makeDirs } from './make-dirs.js';
import { gmpError } from '../errors.js';
import { alive } from '../coord/process-alive.js';

/** A scratch file: the path is yours until discard(), which is safe after the file was moved away, or twice. */
export interface ScratchFile {
  readonly path: string;
  discard(): Promise<void>;
}

/** Areas of other hosts (a shared file system) are removed only when untouched this long. */
const FOREIGN_MAX_AGE_MS = 7 * 24 * 3600 * 1000;

export class Scratch {
  #n = 0;
  #sealed = false;

  private constructor(
    readonly root: string,
    readonly dir: string,
  ) {}

  /** Creates this instance's area under root and removes what dead instances left; says how much. */
  static async open(root: string): Promise<{ scratch: Scratch; removed: number }> {
    await makeDirs(root);
    const removed = await removeLeftovers(root);
    const dir = path.join(root, `${safeHost()}-${process.pid}-${randomBytes(4).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return { scratch: new Scratch(root, dir), removed };
  }

  /**
   * A fresh path in this instance's area (nothing is created until the caller writes it). Once the area is
   * sealed (shutdown), GMP_ERR_SHUTTING_DOWN: a file written then would race with the area's removal.
   */
  file(label = 'f'): ScratchFile {
    if (this.#sealed) throw gmpError('GMP_ERR_SHUTTING_DOWN', 'shutting down: no new scratch files');
    const p = path.join(this.dir, `${Date.now().toString(36)}-${(this.#n++).toString(36)}-${label.replace(/[^a-z0-9.-]/gi, '_')}`);
    let gone = false;
    return {
      path: p,
      discard: async () => {
        if (gone) return;
        gone = true;
        await unlink(p).catch(() => undefined);
      },
    };
  }

  /** No new files from now on (at shutdown, before waiting for the writes in flight and removing the area). */
  seal(): void {
    this.#sealed = true;
  }

  /** Removes this instance's area (at shutdown, once nothing writes into it: seal first, then wait for the writers). */
  async close(): Promise<void> {
    this.seal();
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** This host's name as it appears in file names of scratch areas and temp files. */
export function safeHost(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_') || 'host';
}

async function removeLeftovers(root: string): Promise<number> {
  const host = safeHost();
  let removed = 0;
  for (const e of await readdir(root, { withFileTypes: true })) {
    const full = path.join(root, e.name);
    if (!e.isDirectory()) {
      // Loose temp files from versions before per-instance areas.
      await unlink(full).catch(() => undefined);
      removed++;
      continue;
    }
    const m = /^(.+)-(\d+)-[0-9a-f]{8}$/.exec(e.name);
    const mine = m !== null && m[1] === host;
    const mtime = await stat(full).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    // Our own pid, but older than this process: a previous process that had the same pid.
    const reused = mine && Number(m[2]) === process.pid && mtime < Date.now() - process.uptime() * 1000;
    const dead = mine && (reused || (Number(m[2]) !== process.pid && !alive(Number(m[2]))));
    const stale = !mine && Date.now() - mtime > FOREIGN_MAX_AGE_MS;
    if (dead || stale) {
      removed += (await readdir(full).catch(() => [])).length;
      await rm(full, { recursive: true, force: true });
    }
  }
  return removed;
}
