import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DurableWriter } from './durable-writer.js';

async function tmpDir(t: { after(fn: () => Promise<void>): void }): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'gmp-dw-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

test('writes queued together all land whole, in directories created for them; a failing one fails alone', async (t) => {
  const dir = await tmpDir(t);
  await writeFile(path.join(dir, 'a-file'), 'not a directory');
  const w = new DurableWriter();
  const scratch = path.join(dir, 'scratch');
  await mkdir(scratch);
  const writes = Array.from({ length: 150 }, (_, i) => {
    const dest = path.join(dir, 'store', `d${i % 7}`, `f${i}`);
    return w.write(path.join(scratch, `t${i}`), dest, dir, i % 2 === 0 ? `text ${i}` : Buffer.alloc(i * 100, i));
  });
  // Its directory cannot be made (a file is in the way): this write fails, with the system's code.
  const bad = w.write(path.join(scratch, 'bad'), path.join(dir, 'a-file', 'x'), dir, 'x');
  await Promise.all(writes);
  await assert.rejects(bad, (err: NodeJS.ErrnoException) => err.code === 'ENOTDIR' || err.code === 'EEXIST');
  for (let i = 0; i < 150; i++) {
    const got = await readFile(path.join(dir, 'store', `d${i % 7}`, `f${i}`));
    assert.deepEqual(got, i % 2 === 0 ? Buffer.from(`text ${i}`) : Buffer.alloc(i * 100, i));
  }
  // Nothing is left in scratch: written files were moved, the failed one removed.
  assert.deepEqual(await readdir(scratch), []);
});

test("the caller's bytes stay the caller's: a view into a larger buffer is written as itself and left usable", async (t) => {
  const dir = await tmpDir(t);
  const w = new DurableWriter();
  const big = Buffer.alloc(1000, 7);
  big.fill(9, 100, 200);
  const view = big.subarray(100, 200);
  const short = Buffer.from('a short string shares a pool slab');
  await Promise.all([w.write(path.join(dir, 't1'), path.join(dir, 'view'), dir, view), w.write(path.join(dir, 't2'), path.join(dir, 'short'), dir, short)]);
  assert.deepEqual(await readFile(path.join(dir, 'view')), Buffer.alloc(100, 9));
  assert.equal(await readFile(path.join(dir, 'short'), 'utf8'), 'a short string shares a pool slab');
  // Nothing was moved away from under the caller.
  assert.equal(big.length, 1000);
  assert.equal(view.length, 100);
  assert.equal(big[0], 7);
  assert.equal(view[0], 9);
  assert.equal(short.toString(), 'a short string shares a pool slab');
});

/**
 * Runs `script` (an ES module) in a child process with tsx, in `cwd` (this checkout by default); rejects when
 * it fails or does not exit in time.
 */
function runChild(script: string, cwd?: string): Promise<void> {
  // tsx by its resolved location: a child in another directory finds no node_modules there.
  const args = ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script];
  return new Promise<void>((resolve, reject) =>
    execFile(process.execPath, args, { timeout: 30_000, cwd }, (err, _out, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve())),
  );
}

test('the sources run through tsx from another directory (a checkout whose build is stale): the thread still starts', async (t) => {
  const dir = await tmpDir(t);
  const module = JSON.stringify(fileURLToPath(new URL('./durable-writer.ts', import.meta.url)));
  await runChild(
    `import { durableWriter } from ${module}; await durableWriter().write(${JSON.stringify(path.join(dir, 't'))}, ${JSON.stringify(path.join(dir, 'out'))}, ${JSON.stringify(dir)}, 'written');`,
    dir,
  );
  assert.equal(await readFile(path.join(dir, 'out'), 'utf8'), 'written');
});

test('an idle writer does not keep its process alive, whether it has written or only started', async (t) => {
  const dir = await tmpDir(t);
  const module = JSON.stringify(fileURLToPath(new URL('./durable-writer.ts', import.meta.url)));
  await runChild(`import { durableWriter } from ${module}; durableWriter().start(); await new Promise((r) => setTimeout(r, 500));`);
  await runChild(
    `import { durableWriter } from ${module}; await durableWriter().write(${JSON.stringify(path.join(dir, 't'))}, ${JSON.stringify(path.join(dir, 'out'))}, ${JSON.stringify(dir)}, 'done');`,
  );
  assert.equal(await readFile(path.join(dir, 'out'), 'utf8'), 'done');
});
