// A fill that a later gate refuses leaves nothing of it in storage and names what was refused to the client:
// the checksum gate's verdict (`.zipsumdb`, `.modsumdb`) is written only for bytes every gate passed, and a
// private version refilled with other bytes than the own checksum database recorded is refused naming the
// module to the client that asked for it (logs still say <private>).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { privateLogOptions } from '../src/app/private-logs.js';
import { eventually } from './helpers/eventually.js';
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

test('a private version refilled with other bytes than recorded is refused naming the module; logs say <private>', async () => {
  const mod = 'corp.example.com/lib';
  const data = path.join(root, 'data');
  const flags = { private: 'corp.example.com', 'own-sumdb': 'on' };
  const first = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'first'), [{ path: mod, versions: [{ version: 'v1.0.0' }] }]));
  const one = await startProxy({ ...flags, 'private-upstream': first.url }, { dataDir: data });
  try {
    assert.equal((await one.get(`/${mod}/@v/v1.0.0.zip`)).status, 200);
    await eventually(async () => (await one.get(`/sumdb/sum.gomodproxy.local/lookup/${mod}@v1.0.0`)).status === 200, 'the version is recorded');
  } finally {
    await one.close();
    await first.close();
  }
  // A purge: the zip and its hash are gone, the own log keeps the record.
  for (const f of ['v1.0.0.zip', 'v1.0.0.ziphash', 'v1.0.0.zipsumdb']) await rm(path.join(data, 'cache', mod, '@v', f), { force: true });
  const other = { version: 'v1.0.0', files: { 'lib.go': 'package lib\n\n// not what was served before\n' } };
  const second = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'second'), [{ path: mod, versions: [other] }]));
  const lines: string[] = [];
  // As serve builds its logger: every line under --private goes through the same redaction.
  const logger = pino({ level: 'info', ...privateLogOptions({ private: 'corp.example.com' }) }, { write: (l: string) => void lines.push(l) });
  const two = await startProxy({ ...flags, 'private-upstream': second.url }, { dataDir: data, logger });
  try {
    const res = await two.get(`/${mod}/@v/v1.0.0.zip`);
    const body = await res.text();
    assert.equal(res.status, 502, body);
    assert.match(body, /^verifying corp\.example\.com\/lib@v1\.0\.0: checksum mismatch/, 'the client is told which module');
    assert.deepEqual(
      (await files(path.join(data, 'cache', mod, '@v'))).filter((f) => f.startsWith('v1.0.0.zip')),
      [],
      'nothing of the refused zip is stored',
    );
  } finally {
    await two.close();
    await second.close();
  }
  assert.ok(
    lines.some((l) => l.includes('checksum mismatch')),
    'the refusal is logged',
  );
  assert.ok(
    !lines.some((l) => l.includes('corp.example.com')),
    `no log line names the private module: ${lines.filter((l) => l.includes('corp.example.com')).join('\n')}`,
  );
});
