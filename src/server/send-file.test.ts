import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FdCache } from '../storage/fd-cache.js';
import { filesInFlight, sendFile } from './send-file.js';

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
