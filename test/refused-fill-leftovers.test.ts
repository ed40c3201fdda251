// A fill that a later gate refuses leaves nothing of it in storage: the checksum gate's verdict (`.zipsumdb`,
// `.modsumdb`) is written only for bytes every gate passed.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

let root: string;
before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-refused-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

const files = async (dir: string) => (await readdir(dir).catch(() => [] as string[])).sort();

test('a version the validation hook refuses leaves no verdict of the checksum gate behind', async () => {
  const mod = 'example.com/refused';
  const up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up1'), [{ path: mod, versions: [{ version: 'v1.0.0' }] }]));
  const hook = createServer((_req, res) => {
    res.writeHead(403, { 'content-type': 'text/plain' });
    res.end('not this one');
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const proxy = await startProxy({ upstream: up.url, 'validation-hook': `http://127.0.0.1:${(hook.address() as AddressInfo).port}/` });
  try {
    for (const ext of ['mod', 'zip']) assert.equal((await proxy.get(`/${mod}/@v/v1.0.0.${ext}`)).status, 403, ext);
    const left = await files(path.join(proxy.dataDir, 'cache', mod, '@v'));
    assert.deepEqual(
      left.filter((f) => !f.endsWith('.info')),
      [],
      `nothing but the .info (which the hook is not asked about) is stored: ${left.join(', ')}`,
    );
  } finally {
    await proxy.close();
    hook.close();
    await up.close();
  }
});
