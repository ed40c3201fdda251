// The thread behind DurableWriter (durable-writer.ts): writes files whole and durably with synchronous calls,
// in groups. Each group writes every queued file, then syncs each (after the first fsync has committed the
// file system's journal, the others mostly find their data written), then renames each into place: no file
// is renamed before its bytes are on disk, so a crash leaves the old state or the new, never a short file.
import { closeSync, copyFileSync, fsyncSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { parentPort } from 'node:worker_threads';
import { atomicTempName } from './atomic-file.js';
import { STORE_STAGING } from './data-dirs.js';
import { checkInsideSync } from './inside-root.js';
import type { WriteDone, WriteJob } from './durable-writer.js';
import { lostToPrune } from './prune-race.js';

/** Open files per group at most (each holds a descriptor until its rename). */
const GROUP = 64;

const port = parentPort;
if (port === null) throw new Error('durable-writer-thread runs as a worker thread');

/** Directories known to exist: not created again for every file (a system call each). */
const dirs = new Set<string>();
let queue: WriteJob[] = [];

function ensureDir(root: string, dir: string): void {
  if (dirs.has(dir)) return;
  checkInsideSync(root, dir);
  mkdirSync(dir, { recursive: true });
  if (dirs.size >= 10_000) dirs.clear();
  dirs.add(dir);
}

function writeAll(fd: number, data: Uint8Array): void {
  for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
}

/** Renames into place; a directory removed behind our back is created again; another file system is copied to. */
function moveInto(job: WriteJob): void {
  const dir = path.dirname(job.dest);
  for (let attempt = 1; ; attempt++) {
    try {
      ensureDir(job.root, dir);
      renameSync(job.from, job.dest);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EXDEV') return copyInto(job);
      if (!lostToPrune(err, attempt)) throw err;
      // A delete that emptied the directory pruned it (prune-race.ts): the ones known to exist may be gone.
      dirs.clear();
    }
  }
}

/** Scratch on another file system: a synced copy in the store's staging folder, renamed from there. */
function copyInto(job: WriteJob): void {
  const staging = path.join(job.root, STORE_STAGING);
  mkdirSync(staging, { recursive: true });
  const near = atomicTempName(path.join(staging, 'blob'));
  try {
    copyFileSync(job.from, near);
    const fd = openSync(near, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(near, job.dest);
    // Stored: the file is the store's to remove, as a rename would have.
    removeQuietly(job.from);
  } finally {
    removeQuietly(near);
  }
}

function removeQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Already gone, or never written.
  }
}

/** The answers of the group being written, sent together at its end. */
let answers: WriteDone[] = [];

function answer(job: WriteJob, err?: unknown): void {
  if (err === undefined) {
    answers.push({ id: job.id });
    return;
  }
  // What this thread wrote is removed on failure.
  removeQuietly(job.from);
  const e = err as NodeJS.ErrnoException;
  answers.push({ id: job.id, code: e.code ?? 'EIO', message: e.message ?? String(err) });
}

function runGroup(): void {
  const group = queue.slice(0, GROUP);
  queue = queue.slice(GROUP);
  if (queue.length > 0) setImmediate(runGroup);
  const open: Array<{ job: WriteJob; fd: number }> = [];
  for (const job of group) {
    let fd: number | undefined;
    try {
      fd = openSync(job.from, 'w');
      writeAll(fd, job.data);
      open.push({ job, fd });
    } catch (err) {
      if (fd !== undefined) closeSync(fd);
      answer(job, err);
    }
  }
  const synced: WriteJob[] = [];
  for (const { job, fd } of open) {
    try {
      fsyncSync(fd);
      closeSync(fd);
      synced.push(job);
    } catch (err) {
      try {
        closeSync(fd);
      } catch {
        // Closing after a failed sync may fail too; the failure that counts is answered.
      }
      answer(job, err);
    }
  }
  for (const job of synced) {
    try {
      moveInto(job);
      answer(job);
    } catch (err) {
      answer(job, err);
    }
  }
  port?.postMessage(answers);
  answers = [];
}

port.on('message', (jobs: readonly WriteJob[]) => {
  const first = queue.length === 0;
  queue.push(...jobs);
  // Every message already queued arrives before the immediate: they form one group.
  if (first) setImmediate(runGroup);
});
