// A private module path inside an error message (here a storage failure that names the folder it could not
// write) never reaches the log of a process started with --private: every line passes through its logger's
// hooks (app/private-logs.ts), whatever code path logged it.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { dataPaths } from '../src/storage/data-dirs.js';
import { eventually } from './helpers/eventually.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxyProcess } from './helpers/proxy-process.js';

test('with --private, a storage failure naming a private module folder is logged with <private> in its place', async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-private-proc-'));
  const pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
  const priv = await writeGoproxyDir(path.join(tmp, 'private'), [{ path: 'corp.example.com/Secret', versions: [{ version: 'v1.0.0' }] }]);
  const data = path.join(tmp, 'data');
  // The private module's folder leads out of the store: the proxy answers, but refuses to write there (EPERM),
  // and says so in a line whose message names the folder.
  await mkdir(path.join(tmp, 'outside'));
  await mkdir(dataPaths(data).cache, { recursive: true });
  await symlink(path.join(tmp, 'outside'), path.join(dataPaths(data).cache, 'corp.example.com'));
  const p = await startProxyProcess({
    data,
    workers: '1',
    upstream: `file://${pub}`,
    private: 'corp.example.com',
    'private-upstream': `file://${priv}`,
    sumdb: 'off',
  });
  try {
    const res = await fetch(`${p.url}/corp.example.com/!secret/@v/v1.0.0.mod`);
    assert.equal(res.status, 200, await res.text());
    await eventually(async () => p.logs.some((l) => l.includes('leads out of the store')), 'the failed write logged');
    // The module's path, as written or escaped. (The line names the link, the private module's folder in the
    // store, and not the folder outside it leads to.)
    const leaked = p.logs.filter((l) => /corp\.example\.com|corp\.example\.com\/(!secret|Secret)/.test(l));
    assert.deepEqual(leaked, []);
    const line = p.logs.find((l) => l.includes('leads out of the store')) as string;
    const err = (JSON.parse(line) as { err?: { type?: string; message?: string } }).err;
    assert.equal(err?.type, 'GmpError');
    assert.match(String(err?.message), /^local I\/O error \(EPERM\) while storing <private>: <private> leads out of the store/);
  } finally {
    await p.stop();
    await rm(tmp, { recursive: true, force: true });
  }
});
