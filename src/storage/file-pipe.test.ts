// pipeIntoFile tells the source's failure from the file's own, and returns only once the file is closed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { test } from 'node:test';
import { isGmpError } from '../errors.js';
import { pipeIntoFile } from './file-pipe.js';

test('a source failing at its first bytes is passed on as it is, and the file is closed before, so removing it removes it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-pipe-'));
  try {
    const file = path.join(dir, 'zip');
    const broken = new Error('the body broke');
    const source = new Readable({
      read() {
        this.destroy(broken);
      },
    });
    await assert.rejects(pipeIntoFile(file, 'writing a zip', source), (err) => err === broken);
    // What a fill's clean-up does next: after it, nothing may appear.
    await unlink(file).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(await readdir(dir), []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("the file's own failure is ours: a local I/O error naming what was written", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-pipe-'));
  try {
    const file = path.join(dir, 'missing-folder', 'zip');
    await assert.rejects(pipeIntoFile(file, 'writing a zip', Readable.from([Buffer.from('PK')])), (err) => {
      assert.ok(isGmpError(err, 'GMP_ERR_LOCAL_IO'), String(err));
      assert.match(err.message, /local I\/O error \(ENOENT\) while writing a zip/);
      return true;
    });
    assert.equal(existsSync(file), false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
