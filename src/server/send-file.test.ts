import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FdCache } from '../storage/fd-cache.js';
import { Writable } from 'node:stream';
import type { ServerResponse } from 'node:http';
import { chunkBytesAllocated, chunkBytesInFlight, filesInFlight, MIN_CHUNK, SEND_BUDGET, sendFile } from './send-file.js';

/** Serves `content` at every path, or `others[name]` at `/name`. */
async function serveFile(content: Buffer, range?: { start: number; end: number }, others: Record<string, Buffer> = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-send-'));
  const file = path.join(dir, 'blob');
  await writeFile(file, content);
  for (const [name, c] of Object.entries(others)) await writeFile(path.join(dir, name), c);
  const fds = new FdCache();
  let released = 0;
  const server = createServer(async (req, res) => {
    const name = (req.url ?? '/').slice(1);
    const body = others[name] ?? content;
    const f = await fds.acquire(others[name] === undefined ? file : path.join(dir, name));
    const start = range?.start ?? 0;
    const end = range?.end ?? body.length - 1;
    res.writeHead(200, { 'content-length': String(end - start + 1) });
    sendFile({ fd: f.fd, release: () => (released++, f.release()) }, start, end, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return {
    url,
    released: () => released,
    close: async () => {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      fds.closeAll();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

test('the body is exactly the file, across many chunks, and the file is released', async () => {
  const content = randomBytes(3 * 256 * 1024 + 12345);
  const s = await serveFile(content);
  try {
    const body = Buffer.from(await (await fetch(s.url)).arrayBuffer());
    assert.ok(body.equals(content));
    assert.equal(s.released(), 1);
    assert.equal(filesInFlight(), 0);
  } finally {
    await s.close();
  }
});

test('concurrent and successive downloads of different files never mix their bytes', async () => {
  const a = randomBytes(1 << 20);
  const b = randomBytes((1 << 20) + 777);
  const s = await serveFile(a, undefined, { b });
  try {
    for (let round = 0; round < 3; round++) {
      const bodies = await Promise.all(
        Array.from({ length: 12 }, async (_, i) => ({ i, body: Buffer.from(await (await fetch(s.url + (i % 2 === 0 ? 'a' : 'b'))).arrayBuffer()) })),
      );
      for (const { i, body } of bodies) assert.ok(body.equals(i % 2 === 0 ? a : b), `download ${i} of round ${round}`);
    }
  } finally {
    await s.close();
  }
});

test('a byte range sends just those bytes', async () => {
  const content = randomBytes(100_000);
  const s = await serveFile(content, { start: 1000, end: 70_000 });
  try {
    const body = Buffer.from(await (await fetch(s.url)).arrayBuffer());
    assert.ok(body.equals(content.subarray(1000, 70_001)));
  } finally {
    await s.close();
  }
});

test('a client that goes away stops the sending and releases the file', async () => {
  const content = randomBytes(32 << 20);
  const s = await serveFile(content);
  try {
    const ac = new AbortController();
    const res = await fetch(s.url, { signal: ac.signal });
    const reader = res.body?.getReader();
    await reader?.read();
    ac.abort();
    for (let i = 0; i < 100 && s.released() === 0; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(s.released(), 1);
    assert.equal(filesInFlight(), 0);
  } finally {
    await s.close();
  }
});

/**
 * A response whose writes complete only when the test says so: a client that has stopped reading, without
 * hundreds of sockets' worth of kernel buffers. It keeps a copy of what it was given (sendFile reuses its buffer).
 */
function stalledResponse() {
  const parts: Buffer[] = [];
  let waiting: (() => void) | undefined;
  const res = new Writable({
    write(chunk: Buffer, _enc, cb) {
      parts.push(Buffer.from(chunk));
      waiting = () => cb();
    },
  });
  return {
    res: res as unknown as ServerResponse,
    /** Completes the write in progress, if any: the response reads and writes its next chunk. */
    step: () => {
      const w = waiting;
      waiting = undefined;
      w?.();
      return w !== undefined;
    },
    body: () => Buffer.concat(parts),
    /** The size of the first chunk written, once one was. */
    first: () => parts[0]?.length,
    ended: () => res.writableEnded,
  };
}

test('a herd released at once takes equal shares within the budget, and allocates nothing more as it thins', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-send-'));
  const content = randomBytes(3 << 20);
  await writeFile(path.join(dir, 'blob'), content);
  const fds = new FdCache();
  try {
    const f = await fds.acquire(path.join(dir, 'blob'));
    const n = 300;
    const responses = Array.from({ length: n }, () => stalledResponse());
    for (const r of responses) sendFile({ fd: f.fd, release: () => undefined }, 0, content.length - 1, r.res);
    assert.equal(filesInFlight(), n);
    // Nothing is taken in the turn the herd is released: every response counts before any takes its share.
    assert.equal(chunkBytesInFlight(), 0);
    // Each response's first write is left pending (its chunk is not freed yet): wait until every response
    // wrote once, however slow the reads are on a busy machine, without stepping any of them a second time.
    for (let i = 0; i < 1000 && !responses.every((r) => r.first() !== undefined); i++) await new Promise((r) => setTimeout(r, 10));
    let share = MIN_CHUNK;
    while (share * 2 <= SEND_BUDGET / n) share *= 2;
    for (const [i, r] of responses.entries()) assert.equal(r.first(), share, `first chunk of response ${i}`);
    assert.ok(chunkBytesInFlight() <= SEND_BUDGET, `${chunkBytesInFlight()} bytes held`);
    // Half the clients go away; the others' shares could grow, but growing would mean new buffers.
    const allocated = chunkBytesAllocated();
    for (const r of responses.slice(0, n / 2)) r.res.destroy();
    const rest = responses.slice(n / 2);
    while (filesInFlight() > 0) {
      await new Promise((r) => setTimeout(r, 5));
      for (const r of rest) r.step();
    }
    assert.equal(chunkBytesAllocated(), allocated, 'no buffer allocated after the herd took its shares');
    for (const [i, r] of rest.entries()) assert.ok(r.body().equals(content), `response ${n / 2 + i}`);
    assert.equal(chunkBytesInFlight(), 0);
    f.release();
  } finally {
    fds.closeAll();
    await rm(dir, { recursive: true, force: true });
  }
});
