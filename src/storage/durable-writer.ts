// Durable writes of the filesystem store on a thread of their own (durable-writer-thread.ts). Through the
// thread pool a put took five round trips (open, write, fsync, close, rename), each a cross-thread wake-up and
// a turn of the event loop; here it is one message there and one back, and the thread syncs files in groups.
// During a cold download this took most of the file work off the event loop that answers the go command
// (docs/performance.md). One writer per process, shared by every store; it never keeps the process alive
// while idle.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface WriteJob {
  readonly id: number;
  /** The scratch file the data is written to, then synced and renamed from. */
  readonly from: string;
  readonly dest: string;
  readonly data: Uint8Array;
  /** The store's root: `dest` is never written through a link out of it; copies are staged in its STORE_STAGING. */
  readonly root: string;
}

export interface WriteDone {
  readonly id: number;
  readonly code?: string;
  readonly message?: string;
}

interface Pending {
  resolve(): void;
  reject(err: Error): void;
}

/** The thread, from its module next to this one: compiled JavaScript in dist/, or TypeScript through tsx (tests). */
function startThread(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new Worker(here.replace(/durable-writer\.js$/, 'durable-writer-thread.js'));
  // A worker does not inherit the main thread's tsx hooks: it registers them before loading the module. tsx is
  // named by its resolved location: evaluated code resolves packages from the working directory, which need
  // not be this checkout (a stale build's bin runs the sources through tsx from wherever it was started).
  const file = pathToFileURL(here.replace(/durable-writer\.ts$/, 'durable-writer-thread.ts')).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  return new Worker(`import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); });`, { eval: true });
}

const utf8 = new TextEncoder();

/** The bytes in a buffer of their own, exactly their size, that the caller can no longer touch. */
function ownCopy(data: Buffer | string): Uint8Array {
  return typeof data === 'string' ? utf8.encode(data) : new Uint8Array(data);
}

export class DurableWriter {
  #worker: Worker | undefined;
  readonly #pending = new Map<number, Pending>();
  #next = 0;
  #outbox: WriteJob[] = [];

  /** Writes `data` to `from`, syncs it and renames it to `dest` (creating its directory, inside `root`). */
  write(from: string, dest: string, root: string, data: Buffer | string): Promise<void> {
    const worker = this.#thread();
    const id = this.#next++;
    const bytes = ownCopy(data);
    return new Promise<void>((resolve, reject) => {
      if (this.#pending.size === 0) worker.ref();
      this.#pending.set(id, { resolve, reject });
      // Writes asked for in the same run (a fill's verdict, feed marker and log record) travel as one message.
      if (this.#outbox.push({ id, from, dest, root, data: bytes }) === 1) setImmediate(() => this.#send());
    });
  }

  #send(): void {
    const jobs = this.#outbox;
    this.#outbox = [];
    // Moved, not cloned: a clone copies each view's whole backing store (an 8 KiB pool slab for a short
    // string) on this thread; a transfer hands the thread the copy ownCopy() made.
    this.#worker?.postMessage(
      jobs,
      jobs.map((j) => j.data.buffer as ArrayBuffer),
    );
  }

  /** Starts the thread now (a server does at start, so that its first fill does not pay for it). */
  start(): void {
    this.#thread();
  }

  #thread(): Worker {
    if (this.#worker !== undefined) return this.#worker;
    const worker = startThread();
    worker.unref();
    // Node 20 refs the thread's port again when it comes online: an idle writer would keep the process alive.
    worker.once('online', () => {
      if (this.#pending.size === 0) worker.unref();
    });
    worker.on('message', (done: readonly WriteDone[]) => {
      for (const d of done) this.#settle(d);
    });
    const lost = (why: string) => {
      if (this.#worker !== worker) return;
      this.#worker = undefined;
      // Nothing the thread had will be answered: every waiting write fails (and may be tried again).
      const err = Object.assign(new Error(`the durable-write thread stopped (${why}); the write may not have happened`), { code: 'EIO' });
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
      this.#outbox = [];
    };
    worker.on('error', (err) => lost(err.message));
    worker.on('exit', (code) => lost(`exit ${code}`));
    this.#worker = worker;
    return worker;
  }

  #settle(done: WriteDone): void {
    const p = this.#pending.get(done.id);
    if (p === undefined) return;
    this.#pending.delete(done.id);
    if (this.#pending.size === 0) this.#worker?.unref();
    if (done.code === undefined) p.resolve();
    else p.reject(Object.assign(new Error(done.message ?? done.code), { code: done.code }));
  }
}

let shared: DurableWriter | undefined;

/** This process's writer. */
export function durableWriter(): DurableWriter {
  shared ??= new DurableWriter();
  return shared;
}
