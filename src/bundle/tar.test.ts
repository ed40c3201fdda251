import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { readTar, TarError } from './tar-read.js';
import { tarStream } from './tar-write.js';
import type { TarEntry } from './tar-write.js';

const run = promisify(execFile);

async function* from(entries: TarEntry[]) {
  yield* entries;
}

async function bytesOf(entries: TarEntry[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of tarStream(from(entries))) parts.push(c);
  return Buffer.concat(parts);
}

async function entriesOf(data: Buffer, chunk = 7): Promise<Array<[string, string]>> {
  const chunks = Array.from({ length: Math.ceil(data.length / chunk) }, (_, i) => data.subarray(i * chunk, (i + 1) * chunk));
  const out: Array<[string, string]> = [];
  for await (const f of readTar(Readable.from(chunks))) {
    const parts: Buffer[] = [];
    for await (const c of f.body) parts.push(c);
    out.push([f.name, Buffer.concat(parts).toString()]);
  }
  return out;
}

const LONG = `cache/${'very-long-module-path/'.repeat(8)}@v/v1.0.0.zip`;

test('what the writer writes, GNU tar lists and extracts, long names included', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-tar-'));
  const file = path.join(dir, 'payload');
  await writeFile(file, 'from a file\n');
  const tar = path.join(dir, 'b.tar');
  await writeFile(
    tar,
    await bytesOf([
      { name: 'manifest.json', data: Buffer.from('{}\n') },
      { name: LONG, file, size: 12 },
    ]),
  );
  const { stdout } = await run('tar', ['-tf', tar]);
  assert.deepEqual(stdout.trim().split('\n'), ['manifest.json', LONG]);
  await run('tar', ['-xf', tar, '-C', dir]);
  assert.equal(await readFile(path.join(dir, LONG), 'utf8'), 'from a file\n');
});

test('the reader gives back every entry, whatever the chunk sizes, and skips bodies left unread', async () => {
  const data = await bytesOf([
    { name: 'a', data: Buffer.from('x'.repeat(1000)) },
    { name: LONG, data: Buffer.from('long') },
    { name: 'empty', data: Buffer.alloc(0) },
  ]);
  assert.deepEqual(await entriesOf(data), [
    ['a', 'x'.repeat(1000)],
    [LONG, 'long'],
    ['empty', ''],
  ]);
  const names: string[] = [];
  for await (const f of readTar(Readable.from([data]))) names.push(f.name);
  assert.deepEqual(names, ['a', LONG, 'empty']);
});

test('a truncated or corrupted tar is refused with a reason', async () => {
  const data = await bytesOf([{ name: 'a', data: Buffer.from('hello') }]);
  await assert.rejects(entriesOf(data.subarray(0, 600)), TarError);
  const bad = Buffer.from(data);
  bad[10] = 0x41;
  // A first header that is not one: not a tar at all (a file of another kind), said as such.
  await assert.rejects(entriesOf(bad), /not a tar archive/);
  await assert.rejects(entriesOf(Buffer.from('hello\n')), /not a tar archive/);
  // A later header that is damaged: a corrupted tar.
  const two = Buffer.from(
    await bytesOf([
      { name: 'a', data: Buffer.from('hello') },
      { name: 'b', data: Buffer.from('world') },
    ]),
  );
  two[1024 + 10] = 0x41;
  await assert.rejects(entriesOf(two), /checksum/);
});

/** A ustar header for an entry of the given type and size (the body follows separately). */
async function headerOf(name: string, size: number, type: string): Promise<Buffer> {
  const h = Buffer.from((await bytesOf([{ name, data: Buffer.alloc(0) }])).subarray(0, 512));
  h.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('        ', 148, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

test('bodies nobody reads (a directory entry, a file left unread) are skipped without holding them in memory', async () => {
  const SIZE = 192 << 20;
  let peak = 0;
  async function* stream(type: string): AsyncGenerator<Buffer> {
    yield await headerOf('cache/', SIZE, type);
    const base = process.memoryUsage().arrayBuffers;
    for (let left = SIZE; left > 0; left -= 1 << 20) {
      // Fresh chunks, as a file or socket gives them.
      yield Buffer.alloc(Math.min(left, 1 << 20));
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base);
    }
    yield Buffer.alloc(1024);
  }
  for (const type of ['5', '0']) {
    peak = 0;
    const names: string[] = [];
    for await (const f of readTar(stream(type))) names.push(f.name);
    assert.deepEqual(names, type === '5' ? [] : ['cache/']);
    assert.ok(peak < 64 << 20, `type ${type}: ${peak} bytes held while skipping a ${SIZE}-byte body`);
  }
});
