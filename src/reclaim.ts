// Streams that pass many megabytes through fresh buffers (an upstream's zip on its way to scratch, a zip's
// entries on their way through the hashes) leave dead buffers that V8 frees only at its next young-generation
// collection. A process that allocates few JavaScript objects meanwhile collects rarely, so one 50 MiB fill
// left a worker 24–33 MiB bigger in dead download buffers and up to 35 MiB more from hashing the zip
// (docs/performance.md, "Herd memory"). Such a stream calls `passed` with each chunk's size, and every
// RECLAIM_EVERY bytes a young-generation collection frees what the stream has dropped (the 50 MiB download
// took as long with it as without). Small artifacts never reach the threshold. Every 2 MiB rather than 8: an
// undici download of 50 MiB grew a process by +19 MiB instead of +33, and the suite's herd by a median of
// +57 MiB instead of +70, at most +73 instead of +100 (11 runs each), in the same time.
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const RECLAIM_EVERY = 2 << 20;

type Collect = (options: { type: 'minor' | 'major' }) => void;

let collect: Collect | undefined;
let looked = false;
let collections = 0;

/** V8's collection function, from a context made after `--expose-gc` is set; undefined where V8 refuses. */
function collector(): Collect | undefined {
  if (!looked) {
    looked = true;
    try {
      setFlagsFromString('--expose-gc');
      const gc: unknown = runInNewContext('gc');
      if (typeof gc === 'function') collect = gc as Collect;
    } catch {
      collect = undefined;
    }
  }
  return collect;
}

/** Young-generation collections run by reclaimers so far (for tests). */
export function reclaimCollections(): number {
  return collections;
}

/** Counts the bytes of one stream; runs a young-generation collection each time `every` more have passed. */
export class Reclaimer {
  #since = 0;

  constructor(private readonly every = RECLAIM_EVERY) {}

  passed(bytes: number): void {
    this.#since += bytes;
    if (this.#since < this.every) return;
    this.#since = 0;
    const gc = collector();
    if (gc === undefined) return;
    gc({ type: 'minor' });
    collections++;
  }
}
