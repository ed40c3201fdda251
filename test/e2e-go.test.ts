// End to end with the real go command: everything it does through gomodproxy must give the same
// results (versions, h1 sums, go.sum) as going straight at the fixture upstream — with gomodproxy as a
// single process (--workers 1) and as a primary with two worker processes (--workers 2).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goDownload, goEnv, runGo } from './helpers/go.js';
import type { Download, GoCommand } from './helpers/go.js';
import { startProxy } from './helpers/proxy.js';
import { startProxyProcess } from './helpers/proxy-process.js';

let up: FakeUpstream;

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), sampleModules()));
});
after(async () => {
  await up.close();
});

/** A running gomodproxy in front of `upstream`: in this process (1 worker) or as a process tree (N workers). */
async function serve(workers: number, upstream: string): Promise<{ url: string; close(): Promise<void> }> {
  if (workers === 1) {
    // Read-ahead on, as by default (the helper turns it off): the go command sees what users' go commands see.
    const p = await startProxy({ upstream, 'read-ahead': '8' });
    return { url: p.url, close: () => p.close() };
  }
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-e2e-workers-'));
  const p = await startProxyProcess({ workers: String(workers), upstream, data, sumdb: 'off', 'own-sumdb': 'off', retries: '0', 'negative-ttl': '0s' });
  return {
    url: p.url,
    close: async () => {
      await p.stop();
      await rm(data, { recursive: true, force: true });
    },
  };
}

const MODULES = ['example.com/lib@v1.0.0', 'example.com/Upper/Case@v0.1.0', 'example.com/old@v2.0.0+incompatible', 'example.com/old@v1.0.0'];

async function download(goproxy: string, go: GoCommand): Promise<Download[]> {
  const { result, downloads } = await goDownload(await goEnv(goproxy, {}, go), MODULES);
  assert.equal(result.code, 0, result.stderr);
  return downloads;
}

/** gocache: one build cache for both sides of a comparison (Go 1.20+ compiles the standard library into it, ~20 s). */
async function buildApp(goproxy: string, go: GoCommand, gocache: string): Promise<{ goSum: string; goMod: string; output: string }> {
  const env = await goEnv(goproxy, { GOCACHE: gocache }, go);
  const dir = path.join(env.home, 'app');
  await mkdir(dir);
  await writeFile(path.join(dir, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
  await writeFile(
    path.join(dir, 'main.go'),
    // println (to stderr), not fmt: it halves what Go 1.20+ compiles of the standard library into an empty cache.
    'package main\n\nimport (\n\tupper "example.com/Upper/Case"\n\t"example.com/lib"\n)\n\nfunc main() { println(lib.Hello(), upper.Name) }\n',
  );
  const get = await runGo(['get', 'example.com/lib@latest', 'example.com/Upper/Case@latest'], dir, env);
  assert.equal(get.code, 0, get.stderr);
  const build = await runGo(['build', '-o', 'app', '.'], dir, env);
  assert.equal(build.code, 0, build.stderr);
  const { stderr } = await promisify(execFile)(path.join(dir, 'app'));
  return { goSum: await readFile(path.join(dir, 'go.sum'), 'utf8'), goMod: await readFile(path.join(dir, 'go.mod'), 'utf8'), output: stderr };
}

for (const workers of [1, 2]) await definePerGo(workers);

function definePerGo(workers: number): Promise<void> {
  return forEachGo(`the go command through gomodproxy --workers ${workers}`, (go) => {
    const proxy = { url: '' };
    let running: { url: string; close(): Promise<void> } | undefined;
    before(async () => {
      running = await serve(workers, up.url);
      proxy.url = running.url;
    });
    after(async () => {
      await running?.close();
    });
    test('go mod download -json gives the same versions and sums as the upstream itself', async () => {
      const viaProxy = await download(proxy.url, go);
      const straight = await download(up.url, go);
      const pick = (d: Download[]) => d.map(({ Path, Version, Sum, GoModSum, Error: error }) => ({ Path, Version, Sum, GoModSum, Error: error }));
      assert.deepEqual(pick(viaProxy), pick(straight));
      assert.equal(viaProxy.length, MODULES.length);
      for (const d of viaProxy) {
        assert.equal(d.Error, undefined);
        assert.match(d.Sum ?? '', /^h1:/);
      }
    });

    test('go list -m -versions lists the upstream versions', async () => {
      const env = await goEnv(proxy.url, {}, go);
      const r = await runGo(['list', '-m', '-versions', 'example.com/lib'], env.home, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout.trim(), 'example.com/lib v1.0.0 v1.1.0 v1.2.0-rc.1');
    });

    test('go list -m -json M@latest picks the highest release', async () => {
      const env = await goEnv(proxy.url, {}, go);
      const r = await runGo(['list', '-m', '-json', 'example.com/lib@latest'], env.home, env);
      assert.equal(r.code, 0, r.stderr);
      assert.equal((JSON.parse(r.stdout) as { Version: string }).Version, 'v1.1.0');
    });

    test('go get @latest and go build work, with go.sum identical to going straight at the upstream', async () => {
      const gocache = await mkdtemp(path.join(tmpdir(), 'gmp-gocache-'));
      // One after the other: the second build reuses the standard library the first compiled.
      const both = async () => [await buildApp(proxy.url, go, gocache), await buildApp(up.url, go, gocache)] as const;
      const [viaProxy, straight] = await both().finally(() => rm(gocache, { recursive: true, force: true }));
      assert.equal(viaProxy.output.trim(), 'hello v1.1.0 Upper');
      assert.equal(viaProxy.goSum, straight.goSum);
      assert.equal(viaProxy.goMod, straight.goMod);
      assert.match(viaProxy.goSum, /^example\.com\/lib v1\.1\.0 h1:/m);
    });

    test('a module missing from the proxy falls through to the next GOPROXY entry', async () => {
      const empty = await serve(workers, 'off');
      try {
        const env = await goEnv(`${empty.url},${up.url}`, {}, go);
        const r = await runGo(['mod', 'download', '-json', 'example.com/lib@v1.0.0'], env.home, env);
        assert.equal(r.code, 0, r.stderr);
      } finally {
        await empty.close();
      }
    });
  });
}
