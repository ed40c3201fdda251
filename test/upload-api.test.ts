// The upload API as a script or an Artifactory-style client uses it (PUT .mod, .info, .zip), and the
// validation hook as Athens users run one (a service answering 2xx or 403, or not at all), over plain HTTP
// against an in-process gomodproxy with --auth off: uploads need a publish token even then.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { filesInDir } from '../src/cli/publish-dir.js';
import { lockNameOf } from '../src/fill/types.js';
import { writeModuleZip } from '../src/modzip/create-zip.js';
import { captureIO } from './helpers/cli-io.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let tmp: string;
let pub: string;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-upload-'));
  pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
});
after(() => rm(tmp, { recursive: true, force: true }));

async function token(proxy: RunningProxy, name: string, scope: string): Promise<string> {
  const c = captureIO();
  assert.equal(await main(['token', 'create', '--name', name, '--scope', scope, '--data', proxy.dataDir], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

/** A module zip made from files, as `gomodproxy publish` makes it. */
async function moduleZip(name: string, mod: string, version: string, files: Record<string, string>): Promise<Buffer> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  for (const [f, body] of Object.entries(files)) await writeFile(path.join(dir, f), body);
  const out = path.join(tmp, `${name}.zip`);
  await writeModuleZip(await filesInDir(dir), mod, version, out);
  return readFile(out);
}

describe('the upload API', () => {
  let proxy: RunningProxy;
  let ci = '';
  const base = '/corp.example.com/api/@v/v0.3.0';
  const put = (p: string, body: Buffer | string, t?: string) =>
    fetch(proxy.url + p, {
      method: 'PUT',
      body: typeof body === 'string' ? body : new Uint8Array(body),
      headers: t === undefined ? {} : { authorization: `Bearer ${t}` },
    });

  before(async () => {
    proxy = await startProxy({ upstream: `file://${pub}`, private: 'corp.example.com', 'private-upstream': 'off' });
    ci = await token(proxy, 'ci', 'publish:corp.example.com');
  });
  after(() => proxy.close());

  test('an upload without a token gets 401 with the challenge even under --auth off; reads stay open', async () => {
    const r = await put(`${base}.mod`, 'module corp.example.com/api\n');
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), 'Basic realm="gomodproxy"');
    assert.equal((await proxy.get('/example.com/lib/@v/list')).status, 200);
  });

  test('.mod and .info first wait for the zip (202); the zip publishes them (201); the same bytes again are 200', async () => {
    const mod = 'module corp.example.com/api\n\ngo 1.19\n';
    const zip = await moduleZip('api', 'corp.example.com/api', 'v0.3.0', { 'go.mod': mod, 'api.go': 'package api\n' });
    assert.equal((await put(`${base}.mod`, mod, ci)).status, 202);
    assert.equal((await put(`${base}.info`, '{"Version":"v0.3.0","Time":"2024-01-02T03:04:05Z"}', ci)).status, 202);
    const created = await put(`${base}.zip`, zip, ci);
    assert.equal(created.status, 201, await created.text());
    assert.equal((await put(`${base}.zip`, zip, ci)).status, 200);
    assert.equal(await (await proxy.get(`${base}.mod`)).text(), mod);
    assert.match(await (await proxy.get(`${base}.info`)).text(), /"Time":"2024-01-02T03:04:05Z"/);
    assert.match(await (await proxy.get('/corp.example.com/api/@v/list')).text(), /^v0\.3\.0$/m);
    assert.match(await (await proxy.get('/corp.example.com/api/@latest')).text(), /"Version":"v0\.3\.0"/);
  });

  test('other content for a published version is 409, and a zip for another module path is 422', async () => {
    const other = await moduleZip('api2', 'corp.example.com/api', 'v0.3.0', { 'go.mod': 'module corp.example.com/api\n', 'x.go': 'package api\n' });
    const conflict = await put(`${base}.zip`, other, ci);
    assert.equal(conflict.status, 409);
    assert.match(await conflict.text(), /already exists/);
    const wrong = await moduleZip('wrong', 'corp.example.com/wrong', 'v0.1.0', { 'go.mod': 'module corp.example.com/wrong\n' });
    assert.equal((await put('/corp.example.com/api/@v/v0.1.0.zip', wrong, ci)).status, 422);
  });

  test('a go.mod the go command cannot parse is 422, in the zip or as a .mod, and nothing is published', async () => {
    // Each of these makes the go command stop with "parsing go.mod: …" (go 1.19 and 1.23 checked).
    const broken = [
      'module corp.example.com/api\n\nrequire (\n\texample.com/a v1.0.0\n',
      'module corp.example.com/api\nmodule corp.example.com/other\n',
      'module corp.example.com/api\ngo 1.19\ngo 1.20\n',
      'module corp.example.com/api\nrequire example.com/a master\n',
    ];
    for (const [i, mod] of broken.entries()) {
      const version = `v0.9.${i}`;
      const zip = await moduleZip(`broken${i}`, 'corp.example.com/api', version, { 'go.mod': mod, 'api.go': 'package api\n' });
      const r = await put(`/corp.example.com/api/@v/${version}.zip`, zip, ci);
      assert.equal(r.status, 422, mod);
      assert.match(await r.text(), /does not parse as the go command reads it: go\.mod:\d+: /);
      assert.equal((await put(`/corp.example.com/api/@v/${version}.mod`, mod, ci)).status, 422, mod);
      assert.equal((await proxy.get(`/corp.example.com/api/@v/${version}.mod`)).status, 404, 'nothing stored');
    }
    assert.doesNotMatch(await (await proxy.get('/corp.example.com/api/@v/list')).text(), /v0\.9\./);
  });

  test('an upload with a version its module path cannot have is a 400 saying so to a publisher, not a 403 asking for admin', async () => {
    const zip = await moduleZip('v2', 'corp.example.com/api', 'v1.9.0', { 'go.mod': 'module corp.example.com/api\n' });
    const r = await put('/corp.example.com/api/@v/v2.0.0.zip', zip, ci);
    assert.equal(r.status, 400);
    assert.match(await r.text(), /v2\.0\.0/);
  });

  test('a token with only a read scope cannot publish (403)', async () => {
    const reader = await token(proxy, 'reader', 'read:corp.example.com');
    const zip = await moduleZip('r', 'corp.example.com/api', 'v0.4.0', { 'go.mod': 'module corp.example.com/api\n' });
    assert.equal((await put('/corp.example.com/api/@v/v0.4.0.zip', zip, reader)).status, 403);
  });
});

describe('the validation hook', () => {
  let hook: Server;
  let hookURL = '';
  const asked: string[] = [];

  before(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const { Module, Version } = JSON.parse(body) as { Module: string; Version: string };
        asked.push(`${Module}@${Version}`);
        if (Version === 'v1.0.0') res.writeHead(403).end('v1.0.0 has a known vulnerability\n');
        else res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    hookURL = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/check`;
  });
  after(() => new Promise<void>((r) => hook.close(() => r())));

  test('a 403 from the hook refuses the version with its reason; a 2xx lets it through', async () => {
    const proxy = await startProxy({ upstream: `file://${pub}`, 'validation-hook': hookURL });
    try {
      const denied = await proxy.get('/example.com/lib/@v/v1.0.0.mod');
      assert.equal(denied.status, 403);
      assert.match(await denied.text(), /refused by the validation hook: v1\.0\.0 has a known vulnerability/);
      assert.equal((await proxy.get('/example.com/lib/@v/v1.1.0.zip')).status, 200);
      assert.ok(asked.includes('example.com/lib@v1.0.0') && asked.includes('example.com/lib@v1.1.0'), asked.join(' '));
    } finally {
      await proxy.close();
    }
  });

  test('a hook that does not answer refuses (503) when fail-closed and allows when fail-open', async () => {
    // A port nothing listens on (one just given up): the connection is refused.
    const shut = createServer();
    await new Promise<void>((resolve) => shut.listen(0, '127.0.0.1', resolve));
    const port = (shut.address() as AddressInfo).port;
    await new Promise((resolve) => shut.close(resolve));
    const gone = `http://127.0.0.1:${port}/check`;
    const closed = await startProxy({ upstream: `file://${pub}`, 'validation-hook': gone });
    try {
      const r = await closed.get('/example.com/lib/@v/v1.1.0.mod');
      assert.equal(r.status, 503);
      // What failed, in words, and why: not undici's bare "fetch failed".
      assert.match(
        await r.text(),
        /^service unavailable: the validation hook cannot be reached \(ECONNREFUSED\), and the policy is fail-closed; retry later\n$/,
      );
    } finally {
      await closed.close();
    }
    const open = await startProxy({ upstream: `file://${pub}`, 'validation-hook': gone, 'validation-hook-failure': 'open' });
    try {
      assert.equal((await open.get('/example.com/lib/@v/v1.1.0.mod')).status, 200);
    } finally {
      await open.close();
    }
  });
});

test('an upload that waited --publish-lock-wait for a fill of the same version gets 503 with Retry-After, naming it; sent again once free, 201', async () => {
  const proxy = await startProxy({ upstream: `file://${pub}`, private: 'corp.example.com', 'private-upstream': 'off', 'publish-lock-wait': '0' });
  try {
    const ci = await token(proxy, 'ci', 'publish:corp.example.com');
    const zip = await moduleZip('busy', 'corp.example.com/busy', 'v1.0.0', { 'go.mod': 'module corp.example.com/busy\n', 'busy.go': 'package busy\n' });
    const put = () =>
      fetch(`${proxy.url}/corp.example.com/busy/@v/v1.0.0.zip`, { method: 'PUT', body: new Uint8Array(zip), headers: { authorization: `Bearer ${ci}` } });
    // A fill of the version's zip is under way (here: this test, holding its lock as the fill path does).
    const fill = await proxy.server.locks.tryHold(lockNameOf({ kind: 'zip', module: 'corp.example.com/busy', version: 'v1.0.0' }));
    assert.ok(fill !== undefined);
    const busy = await put();
    assert.equal(busy.status, 503);
    assert.ok(Number(busy.headers.get('retry-after')) > 0, 'Retry-After');
    assert.match(
      await busy.text(),
      /gave up after 0ms waiting for another fill, import or upload of corp\.example\.com\/busy@v1\.0\.0 \(lock .*busy\/@v\/v1\.0\.0\.zip\); nothing of this upload was stored/,
    );
    assert.equal((await proxy.get('/corp.example.com/busy/@v/v1.0.0.mod')).status, 404, 'nothing stored');
    await fill.release();
    assert.equal((await put()).status, 201);
    assert.equal(await (await proxy.get('/corp.example.com/busy/@v/v1.0.0.mod')).text(), 'module corp.example.com/busy\n');
  } finally {
    await proxy.close();
  }
});
