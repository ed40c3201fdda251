// End to end, air-gapped: warm proxy A from a go.sum, export a bundle with its checksum proofs, stop the
// upstream and the checksum database, import the bundle into proxy B with --upstream off, and build with
// the real go command through B with GOSUMDB on (the test database's key, and B's own database's key).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eventually } from './helpers/eventually.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goEnv, runGo } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';

const PRIVATE = 'example.com/Upper';

async function project(dir: string, withPrivate: boolean): Promise<void> {
  const requires = ['example.com/lib v1.0.0', ...(withPrivate ? ['example.com/Upper/Case v0.1.0'] : [])];
  await writeFile(path.join(dir, 'go.mod'), `module example.com/app\n\ngo 1.19\n\nrequire (\n\t${requires.join('\n\t')}\n)\n`);
  // No fmt: less of the standard library to compile into a fresh build cache.
  const imports = ['"example.com/lib"', ...(withPrivate ? ['upper "example.com/Upper/Case"'] : [])];
  const body = withPrivate ? 'println(lib.Hello(), upper.Name)' : 'println(lib.Hello())';
  await writeFile(path.join(dir, 'main.go'), `package main\n\nimport (\n\t${imports.join('\n\t')}\n)\n\nfunc main() { ${body} }\n`);
}

await forEachGo('an offline bundle carries modules and their proofs to an air-gapped proxy', (go) => {
  test('warm A from a go.sum, export, import into B with --upstream off, and go build through B verifies offline', async () => {
    const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-'));
    const fixtures = await writeGoproxyDir(path.join(tmp, 'up'), sampleModules());
    const up = await startFakeUpstream(fixtures);
    const db = await startTestSumdb(fixtures);
    const gosum = path.join(tmp, 'go.sum');
    await writeFile(
      gosum,
      Buffer.concat([(await db.gosum('example.com/lib', 'v1.0.0')) as Buffer, (await db.gosum('example.com/Upper/Case', 'v0.1.0')) as Buffer]),
    );
    const shared = ['--sumdb', db.gosumdb, '--private', PRIVATE];
    const bundle = path.join(tmp, 'modules.tar.gz');
    const a = await startProxy({ upstream: up.url, sumdb: db.gosumdb, private: PRIVATE, 'private-upstream': up.url });
    try {
      const warm = await cli(['warm', '--from', gosum, '--url', a.url, '--data', path.join(tmp, 'unused')]);
      assert.equal(warm.code, 0, warm.stderr + warm.stdout);
      assert.match(warm.stdout, /warmed 2 of 2 module versions/);
      const exp = await cli(['bundle', 'export', '--from', gosum, '--url', a.url, '-o', bundle, '--data', path.join(tmp, 'unused'), ...shared]);
      assert.equal(exp.code, 0, exp.stderr + exp.stdout);
      assert.match(exp.stdout, /2 module versions; proofs from sum\.test\.example \(tree \d+\)/);
    } finally {
      await a.close();
      // From here on nothing upstream exists: B must do with the bundle.
      await up.close();
      await db.close();
    }
    const dataB = path.join(tmp, 'b');
    const offline = { upstream: 'off', 'own-sumdb': 'on', sumdb: db.gosumdb, private: PRIVATE };
    const imp = await cli(['bundle', 'import', bundle, '--data', dataB, '--upstream', 'off', '--own-sumdb', 'on', ...shared]);
    assert.equal(imp.code, 0, imp.stderr + imp.stdout);
    assert.match(imp.stdout, /2 module versions \(2 new, 0 already stored\)/);
    const again = await cli(['bundle', 'import', bundle, '--data', dataB, '--upstream', 'off', '--own-sumdb', 'on', ...shared]);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /\(0 new, 2 already stored\)/);

    const b = await startProxy(offline, { dataDir: dataB });
    try {
      // The public module through the test database's key (no URL: the go command uses B's /sumdb/ relay).
      const pub = await mkdtemp(path.join(tmp, 'pub-'));
      await project(pub, false);
      // One build cache for both builds (Go 1.20+ compiles the standard library into it); module caches stay apart.
      const GOCACHE = path.join(tmp, 'gocache');
      const env = await goEnv(b.url, { GOSUMDB: db.key, GOFLAGS: '-modcacherw -mod=mod', GOCACHE }, go);
      const built = await runGo(['build', '-o', 'app', '.'], pub, env);
      assert.equal(built.code, 0, built.stderr);
      assert.equal((await readFile(path.join(pub, 'go.sum'), 'utf8')).trim(), ((await db.gosum('example.com/lib', 'v1.0.0')) as Buffer).toString().trim());

      // The private module too, through B's own database (which recorded what the bundle brought).
      const priv = await mkdtemp(path.join(tmp, 'priv-'));
      await project(priv, true);
      const own = `${await ownSumdbKey(dataB)} ${b.url}/sumdb/sum.gomodproxy.local`;
      const built2 = await runGo(['build', '-o', 'app', '.'], priv, await goEnv(b.url, { GOSUMDB: own, GOFLAGS: '-modcacherw -mod=mod', GOCACHE }, go));
      assert.equal(built2.code, 0, built2.stderr);
      assert.equal(
        (await readFile(path.join(priv, 'go.sum'), 'utf8')).trim().split('\n').sort().join('\n'),
        (await readFile(gosum, 'utf8')).trim().split('\n').sort().join('\n'),
      );
      // A module the bundle did not bring is simply not there.
      assert.equal((await b.get('/example.com/lib/@v/v1.1.0.info')).status, 404);
      // What the bundle brought is published in B's index feed, for mirrors that follow B (the private
      // module only to readers allowed to see it, which an anonymous request is not).
      await eventually(
        async () => /"Path":"example\.com\/lib","Version":"v1\.0\.0"/.test(await (await b.get('/index')).text()),
        'B publishes the imported version',
      );
      assert.doesNotMatch(await (await b.get('/index')).text(), /Upper/);
    } finally {
      await b.close();
    }
    assert.ok((await readdir(path.join(dataB))).length > 0);
  });
});
