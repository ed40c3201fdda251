import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { makeDirs } from './make-dirs.js';

test('makeDirs creates missing parents, accepts a folder already there, and refuses a file in the way', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-mkd-'));
  try {
    await makeDirs(path.join(dir, 'a', 'b', 'c'));
    assert.ok((await stat(path.join(dir, 'a', 'b', 'c'))).isDirectory());
    await makeDirs(path.join(dir, 'a', 'b'));
    await writeFile(path.join(dir, 'file'), 'x');
    await assert.rejects(makeDirs(path.join(dir, 'file')), { code: 'EEXIST' });
    await assert.rejects(makeDirs(path.join(dir, 'file', 'sub')), { code: 'ENOTDIR' });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Node's recursive mkdir never settles there (it loops on ENOENT under a parent that exists).
test('makeDirs fails where mkdir says ENOENT under a parent that exists (/proc)', { skip: !existsSync('/proc/self') && 'no /proc' }, async () => {
  await assert.rejects(makeDirs('/proc/gomodproxy-no-such/data'), { code: 'ENOENT' });
});
