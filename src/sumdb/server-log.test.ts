// Tests for the checksum-database log and its request dispatch, against responses of Go's x/mod test server.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { GmpError } from '../errors.js';
import { MemoryLogStorage } from './log-storage.js';
import type { AppendBatch } from './log-storage.js';
import { newVerifier } from './note-keys.js';
import { open, verifierList } from './note.js';
import { serveSumdbPath } from './server-dispatch.js';
import { ServerLog } from './server-log.js';
import { formatHash } from './tlog.js';
import { parseTree } from './tree-note.js';
import { gosum } from './testdata/memory-ops.js';
import { bytes, PN_SIGNER, PN_VERIFIER, vectors } from './testdata/vectors.js';

const S = vectors.client.server;
const status = (code: number) => (e: unknown) => e instanceof GmpError && e.status === code;
const rec = (path: string, version: string, text: string) => ({ path, version, text: Buffer.from(text) });

/** The in-memory log, counting its appends (each is a commit: durable writes and a compare-and-set elsewhere). */
class CountingStorage extends MemoryLogStorage {
  appends = 0;
  override async append(batch: AppendBatch): Promise<void> {
    this.appends++;
    // A commit takes a while; adds made meanwhile wait for it.
    await new Promise((r) => setTimeout(r, 5));
    return super.append(batch);
  }
}

describe('server log', () => {
  test('after the same lookups, every response is byte-identical to Go’s test server', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER, { gosum });
    // Go's test server appended a record at each first lookup, in the order of the client steps.
    for (const s of vectors.client.steps) await log.lookup(s.path, s.version.replace(/\/go\.mod$/, ''));
    for (const [p, body] of Object.entries(S)) assert.deepEqual((await serveSumdbPath(log, p)).body, bytes(body), p);
  });

  test('the a/b/c log answers the digest §9 lookup body for record 2', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    assert.deepEqual(await log.add([rec('a', 'v1.0.0', 'a\n'), rec('b', 'v1.0.0', 'b\n'), rec('c', 'v1.0.0', 'c\n')]), [0, 1, 2]);
    const body = (await serveSumdbPath(log, '/lookup/c@v1.0.0')).body.toString();
    assert.match(body, /^2\nc\n\ngo\.sum database tree\n3\nXJVgyeqZ3X9TFi1DypBArCfAZ7Mw9\+RuHRSxcezTLPE=\n\n— PeterNeumann x08goxQ7NJnX/);
  });

  test('an empty log serves a signed tree of size 0 with the all-zero hash', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    const note = open(await log.signedTree(), verifierList(newVerifier(PN_VERIFIER)));
    const tree = parseTree(note.text);
    assert.equal(tree.n, 0);
    assert.equal(formatHash(tree.hash), 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=');
    assert.equal(log.verifierKey, PN_VERIFIER);
  });

  test('adding a known record again returns its id, and a different text for it is refused', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    await log.add([rec('m', 'v1.0.0', 'one\n')]);
    assert.deepEqual(await log.add([rec('m', 'v1.0.0', 'one\n'), rec('n', 'v1.0.0', 'two\n'), rec('n', 'v1.0.0', 'two\n')]), [0, 1, 1]);
    await assert.rejects(log.add([rec('m', 'v1.0.0', 'other\n')]), /already holds a different record/);
    await assert.rejects(log.add([rec('x', 'v1.0.0', 'no newline')]), status(400));
    assert.equal((await log.tree()).n, 2);
  });

  test('adds that arrive while an append is made go together in the next one, each told its own ids', async () => {
    const storage = new CountingStorage();
    const log = new ServerLog(storage, PN_SIGNER);
    const ids = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => log.add([rec(`m${i}`, 'v1.0.0', `r${i}\n`), rec(`n${i}`, 'v1.0.0', `s${i}\n`)])));
    // The first add's append is under way when the others arrive: they make one append between them.
    assert.equal(storage.appends, 2);
    assert.deepEqual(ids, [
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
      [10, 11],
    ]);
    for (const i of [0, 5]) assert.match((await serveSumdbPath(log, `/lookup/n${i}@v1.0.0`)).body.toString(), new RegExp(`^${2 * i + 1}\ns${i}\n`));
  });

  test('a refused add in a group fails alone: the others of its group are committed', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    const first = log.add([rec('m', 'v1.0.0', 'one\n')]);
    const grouped = [
      log.add([rec('a', 'v1.0.0', 'a\n')]),
      log.add([rec('m', 'v1.0.0', 'other\n')]),
      log.add([rec('x', 'v1.0.0', 'no newline')]),
      log.add([rec('b', 'v1.0.0', 'b\n')]),
    ];
    assert.deepEqual(await first, [0]);
    const [a, differs, invalid, b] = await Promise.allSettled(grouped);
    assert.deepEqual(a, { status: 'fulfilled', value: [1] });
    assert.match(String((differs as PromiseRejectedResult).reason), /already holds a different record/);
    assert.ok(status(400)((invalid as PromiseRejectedResult).reason));
    assert.deepEqual(b, { status: 'fulfilled', value: [2] });
    assert.equal((await log.tree()).n, 3);
  });

  test('concurrent adds are serialised into one consistent log', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    const ids = await Promise.all([0, 1, 2, 3, 4, 5, 6, 7].map((i) => log.add([rec(`m${i}`, 'v1.0.0', `r${i}\n`)])));
    assert.deepEqual(ids.flat().sort(), [0, 1, 2, 3, 4, 5, 6, 7]);
    const tree = await log.tree();
    // Rebuilding a log from the records in the order they were committed must give the same root.
    const texts = (await log.tile({ h: 8, l: -1, n: 0, w: 8 })).toString().split('\n\n').slice(0, 8);
    const again = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    await again.add(texts.map((t, i) => rec(`x${i}`, 'v1.0.0', `${t}\n`)));
    assert.deepEqual((await again.tree()).hash, tree.hash);
  });

  test('data tiles hold the records, each followed by a newline, with no id lines', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    await log.add([rec('a', 'v1.0.0', 'a\n'), rec('b', 'v1.0.0', 'b 1\nb 2\n'), rec('c', 'v1.0.0', 'c\n')]);
    const r = await serveSumdbPath(log, '/tile/8/data/000.p/3');
    assert.equal(r.body.toString(), 'a\n\nb 1\nb 2\n\nc\n\n');
    assert.equal(r.contentType, 'text/plain; charset=UTF-8');
    assert.equal((await serveSumdbPath(log, '/tile/1/data/001.p/1')).body.toString(), 'c\n\n');
  });

  test('tiles and records beyond the signed tree are 404, malformed requests 400', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER);
    await log.add([rec('a', 'v1.0.0', 'a\n'), rec('b', 'v1.0.0', 'b\n'), rec('c', 'v1.0.0', 'c\n')]);
    assert.equal((await serveSumdbPath(log, '/tile/8/0/000.p/3')).contentType, 'application/octet-stream');
    for (const p of ['/tile/8/0/000.p/4', '/tile/8/0/000', '/tile/8/0/001.p/1', '/tile/8/data/000.p/4', '/tile/1/2/000', '/lookup/d@v1.0.0', '/nothing']) {
      await assert.rejects(serveSumdbPath(log, p), status(404), p);
    }
    for (const p of ['/tile/8/0/0', '/tile/8/0/000.p/256', '/lookup/a@1.0.0', '/lookup/A@v1.0.0', '/lookup/a@v1.0.0/go.mod', '/lookup/a!@v1.0.0']) {
      await assert.rejects(serveSumdbPath(log, p), status(400), p);
    }
  });

  test('a lookup miss with no gosum provider is 404 and leaves the log unchanged', async () => {
    const log = new ServerLog(new MemoryLogStorage(), PN_SIGNER, { gosum: async () => undefined });
    await assert.rejects(log.lookup('example.com/m', 'v1.0.0'), status(404));
    assert.equal((await log.tree()).n, 0);
  });

  test('storage refuses a batch that does not continue the committed log', async () => {
    const storage = new MemoryLogStorage();
    await new ServerLog(storage, PN_SIGNER).add([rec('a', 'v1.0.0', 'a\n')]);
    await assert.rejects(storage.append({ oldSize: 0, records: [], hashes: [], head: Buffer.alloc(0) }), /append at 0 to a log of 1/);
    const reopened = new ServerLog(storage, PN_SIGNER);
    assert.deepEqual(await reopened.add([rec('b', 'v1.0.0', 'b\n')]), [1]);
  });
});
