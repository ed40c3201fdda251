// `bundle import --url` reads no more of the proxy's answer than it needs: once the status says the import was
// refused (a bad bundle, the coordinator down), it takes the message's line and hangs up, whether the server
// then sends a long body or has not read the upload at all. Through the real bin/gomodproxy.js, against a fake
// server that records whether the client closed the connection before the answer's end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const BIN = path.resolve('bin/gomodproxy.js');
/** Far more than any answer the command needs: all of it read means the command did not hang up. */
const LONG = 32 * 1024 * 1024;

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-answer-'));
});
after(() => rm(dir, { recursive: true, force: true }));

/** A sparse file of SIZE bytes: the command only streams it, the fake server never looks inside. */
async function bundleOf(size: number): Promise<string> {
  const file = path.join(dir, `b-${size}.tar`);
  const fh = await open(file, 'w');
  await fh.truncate(size);
  await fh.close();
  return file;
}

interface Fake {
  readonly url: string;
  /** Resolves once the answer is over: true when the client closed the connection before its end. */
  readonly hungUp: Promise<boolean>;
  close(): Promise<void>;
}

/** Answers STATUS with LINE followed by LONG bytes of padding, after reading the upload or (`early`) at once. */
async function fakeProxy(status: number, line: string, early: boolean): Promise<Fake> {
  let told: (v: boolean) => void = () => {};
  const hungUp = new Promise<boolean>((resolve) => (told = resolve));
  const answer = (res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '5' });
    res.write(`${line}\n`);
    const pad = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < LONG && !res.destroyed) {
        sent += pad.length;
        if (!res.write(pad)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    res.on('close', () => told(!res.writableFinished));
    if (early) {
      // Refused on the headers, the upload left unread (as the coordinator check can).
      req.pause();
      answer(res);
    } else {
      req.resume();
      req.on('end', () => answer(res));
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hungUp,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function bundleImport(file: string, url: string): Promise<{ code: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS' && !k.startsWith('NODE_TEST')) env[k] = v;
  const child = spawn(process.execPath, [BIN, 'bundle', 'import', file, '--url', url], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stderr };
}

test('a refusal answered after the whole upload (503, coordinator down): the line is told, the long rest is not read', async () => {
  const why = 'the coordinator cannot be reached: a bundle import needs it; import again once it answers';
  const fake = await fakeProxy(503, why, false);
  try {
    const r = await bundleImport(await bundleOf(1024 * 1024), fake.url);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `gomodproxy bundle import: ${fake.url}/api/v1/admin/bundles: 503: ${why} (the rest of the answer, over 64.0 KiB, not read)\n`);
    assert.equal(await fake.hungUp, true, 'the command read the whole answer instead of hanging up');
  } finally {
    await fake.close();
  }
});

test('a refusal answered before the upload is read (422, a bad bundle): the command stops sending and hangs up', async () => {
  const why = 'refused, nothing stored: bundle entry cache/example.com/a/@v/v1.0.0.zip: h1 does not match the manifest';
  const fake = await fakeProxy(422, why, true);
  try {
    const r = await bundleImport(await bundleOf(256 * 1024 * 1024), fake.url);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `gomodproxy bundle import: ${why} (the rest of the answer, over 64.0 KiB, not read)\n`);
    assert.equal(await fake.hungUp, true, 'the command read the whole answer instead of hanging up');
  } finally {
    await fake.close();
  }
});
