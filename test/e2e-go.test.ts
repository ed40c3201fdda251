// End to end with the real go command: everything it does through gomodproxy must give the same
// results (versions, h1 sums, go.sum) as going straight at the fixture upstream.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { goDownload, goEnv, runGo } from './helpers/go.js';
import type { Download } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

let up: FakeUpstream;
let proxy: RunningProxy;

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), sampleModules()));
  proxy = await startProxy({ upstream: up.url });
});
after(async () => {
  await proxy.close();
  await up.close();
});

const MODULES = ['example.com/lib@v1.0.0', 'example.com/Upper/Case@v0.1.0', 'example.com/old@v2.0.0+incompatible', 'example.com/old@v1.0.0'];

async function download(goproxy: string): Promise<Download[]> {
  const { result, downloads } = await goDownload(await goEnv(goproxy), MODULES);
  assert.equal(result.code, 0, result.stderr);
  return downloads;
}

async function buildApp(goproxy: string): Promise<{ goSum: string; goMod: string; output: string }> {
  const env = await goEnv(goproxy);
  const dir = path.join(env.home, 'app');
  await mkdir(dir);
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
  await writeFile(
    path.join(dir, 'main.go'),
    'package main\n\nimport (\n\t"fmt"\n\n\tupper "example.com/Upper/Case"\n\t"example.com/lib"\n)\n\nfunc main() { fmt.Println(lib.Hello(), upper.Name) }\n',
  );
  const get = await runGo(['get', 'example.com/lib@latest', 'example.com/Upper/Case@latest'], dir, env);
  assert.equal(get.code, 0, get.stderr);
  const build = await runGo(['build', '-o', 'app', '.'], dir, env);
  assert.equal(build.code, 0, build.stderr);
  const { stdout } = await promisify(execFile)(path.join(dir, 'app'));
  return { goSum: await readFile(path.join(dir, 'go.sum'), 'utf8'), goMod: await readFile(path.join(dir, 'go.mod'), 'utf8'), output: stdout };
}

describe('the go command through gomodproxy', () => {
  test('go mod download -json gives the same versions and sums as the upstream itself', async () => {
    const viaProxy = await download(proxy.url);
    const straight = await download(up.url);
    const pick = (d: Download[]) => d.map(({ Path, Version, Sum, GoModSum, Error: error }) => ({ Path, Version, Sum, GoModSum, Error: error }));
    assert.deepEqual(pick(viaProxy), pick(straight));
    assert.equal(viaProxy.length, MODULES.length);
    for (const d of viaProxy) {
      assert.equal(d.Error, undefined);
      assert.match(d.Sum ?? '', /^h1:/);
    }
  });

  test('go list -m -versions lists the upstream versions', async () => {
    const env = await goEnv(proxy.url);
    const r = await runGo(['list', '-m', '-versions', 'example.com/lib'], env.home, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'example.com/lib v1.0.0 v1.1.0 v1.2.0-rc.1');
  });

  test('go list -m -json M@latest picks the highest release', async () => {
    const env = await goEnv(proxy.url);
    const r = await runGo(['list', '-m', '-json', 'example.com/lib@latest'], env.home, env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as { Version: string }).Version, 'v1.1.0');
  });

  test('go get @latest and go build work, with go.sum identical to going straight at the upstream', async () => {
    const viaProxy = await buildApp(proxy.url);
    const straight = await buildApp(up.url);
    assert.equal(viaProxy.output.trim(), 'hello v1.1.0 Upper');
    assert.equal(viaProxy.goSum, straight.goSum);
    assert.equal(viaProxy.goMod, straight.goMod);
    assert.match(viaProxy.goSum, /^example\.com\/lib v1\.1\.0 h1:/m);
  });

  test('a module missing from the proxy falls through to the next GOPROXY entry', async () => {
    const empty = await startProxy({ upstream: 'off' });
    try {
      const env = await goEnv(`${empty.url},${up.url}`);
      const r = await runGo(['mod', 'download', '-json', 'example.com/lib@v1.0.0'], env.home, env);
      assert.equal(r.code, 0, r.stderr);
    } finally {
      await empty.close();
    }
  });
});
