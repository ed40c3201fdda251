// Toolchain switching (Go 1.21+) through gomodproxy: with GOTOOLCHAIN=auto, a go.mod that asks for a
// newer Go makes the go command download golang.org/toolchain through the proxy, check it against a
// checksum database (the go command insists, even with GOSUMDB=off) and run it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goEnv, runGo } from './helpers/go.js';
import type { GoCommand, GoResult } from './helpers/go.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import type { FixtureModule } from './helpers/goproxy-dir.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxy } from './helpers/proxy.js';
import { startTestSumdb } from './helpers/test-sumdb.js';
import type { TestSumdb } from './helpers/test-sumdb.js';

const TOOLCHAIN = 'go1.99.0';
const TOOLCHAIN_MODULE = 'golang.org/toolchain';

/**
 * A stand-in toolchain module for goos/goarch. The go command (toolchain/select.go Exec) unpacks it,
 * sets the execute bits on pkg/tool/…, bin/gofmt and bin/ (all three must exist, or it stops with an
 * lstat error), then execs bin/go with GOROOT set to the unpacked directory. No go.mod in the zip: the
 * real ones have none either (their .mod is just the module line).
 */
function toolchainModule(goos: string, goarch: string, marker = ''): FixtureModule {
  const goScript = `#!/bin/sh\n# ${TOOLCHAIN} stand-in${marker}\n[ "$1" = version ] || exit 3\necho "go version ${TOOLCHAIN} ${goos}/${goarch}"\n`;
  return {
    path: TOOLCHAIN_MODULE,
    versions: [
      {
        version: `v0.0.1-${TOOLCHAIN}.${goos}-${goarch}`,
        noGoMod: true,
        files: {
          'bin/go': goScript,
          'bin/gofmt': '#!/bin/sh\nexit 3\n',
          [`pkg/tool/${goos}_${goarch}/vet`]: '#!/bin/sh\nexit 3\n',
          VERSION: `${TOOLCHAIN}\ntime 2024-01-02T03:04:05Z\n`,
        },
      },
    ],
  };
}

/** The platform the go command downloads a toolchain for: its own. */
async function hostPlatform(go: GoCommand): Promise<{ goos: string; goarch: string; version: string }> {
  const env = await goEnv('off', {}, go);
  const r = await runGo(['env', 'GOHOSTOS', 'GOHOSTARCH'], env.home, env);
  await rm(env.home, { recursive: true, force: true });
  const [goos = '', goarch = ''] = r.stdout.trim().split('\n');
  return { goos, goarch, version: `v0.0.1-${TOOLCHAIN}.${goos}-${goarch}` };
}

/** Runs `go version` in a module whose go.mod is goMod, with GOTOOLCHAIN=auto. */
async function goVersionIn(go: GoCommand, goproxy: string, gosumdb: string, goMod: string): Promise<GoResult> {
  const env = await goEnv(goproxy, { GOSUMDB: gosumdb, GOTOOLCHAIN: 'auto' }, go);
  try {
    const app = path.join(env.home, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'go.mod'), `module example.com/app\n\n${goMod}`);
    return await runGo(['version'], app, env);
  } finally {
    await rm(env.home, { recursive: true, force: true });
  }
}

await forEachGo(
  'toolchain switching through gomodproxy',
  (go) => {
    let platform: { goos: string; goarch: string; version: string };
    let up: FakeUpstream;
    let db: TestSumdb;
    const zipPath = () => `/${TOOLCHAIN_MODULE}/@v/${platform.version}.zip`;

    before(async () => {
      platform = await hostPlatform(go);
      const dir = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), [toolchainModule(platform.goos, platform.goarch)]);
      up = await startFakeUpstream(dir);
      db = await startTestSumdb(dir);
    });
    after(async () => {
      await up.close();
      await db.close();
    });

    test('go.mod `toolchain go1.99.0` makes the go command fetch the toolchain through the proxy, checked by the relayed database, and run it', async () => {
      const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb });
      try {
        const seen = up.count(zipPath());
        // GOSUMDB is the key alone: the database is reached through the proxy's /sumdb/ relay.
        const r = await goVersionIn(go, proxy.url, db.key, 'go 1.21\n\ntoolchain go1.99.0\n');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `go version ${TOOLCHAIN} ${platform.goos}/${platform.goarch}\n`);
        assert.match(r.stderr, new RegExp(`go: downloading ${TOOLCHAIN} \\(${platform.goos}/${platform.goarch}\\)`));
        assert.equal(up.count(zipPath()), seen + 1, 'the zip came from the upstream through gomodproxy');
        assert.ok(db.hits.includes(`/lookup/${TOOLCHAIN_MODULE}@${platform.version}`), 'the checksum database was asked');
      } finally {
        await proxy.close();
      }
    });

    test('a toolchain zip that the checksum database does not vouch for is refused and never run', async () => {
      const altered = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-evil-')), [toolchainModule(platform.goos, platform.goarch, ' (altered)')]);
      const evilUp = await startFakeUpstream(altered);
      // The proxy itself does not verify here: the go command's own check must catch it.
      const proxy = await startProxy({ upstream: evilUp.url });
      try {
        const r = await goVersionIn(go, proxy.url, db.gosumdb, 'go 1.21\n\ntoolchain go1.99.0\n');
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /SECURITY ERROR/);
        assert.doesNotMatch(r.stdout, new RegExp(TOOLCHAIN));
      } finally {
        await proxy.close();
        await evilUp.close();
      }
    });

    test("GOSUMDB=<gomodproxy's own key>: the own database answers for the toolchain module, which comes from an upstream proxy, never from git", async () => {
      const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-own-'));
      const proxy = await startProxy({ upstream: up.url, sumdb: db.gosumdb, 'own-sumdb': 'on' }, { dataDir });
      try {
        const key = await ownSumdbKey(dataDir);
        const r = await goVersionIn(go, proxy.url, `${key} ${proxy.url}/sumdb/sum.gomodproxy.local`, 'go 1.99.0\n');
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, `go version ${TOOLCHAIN} ${platform.goos}/${platform.goarch}\n`);
        // The record is the same one the independent test database computes from the upstream's bytes.
        // A lookup answers "<record id>\n<go.sum lines>\n<signed tree>".
        const lookup = await (await proxy.get(`/sumdb-own/lookup/${TOOLCHAIN_MODULE}@${platform.version}`)).text();
        const lines = lookup.slice(lookup.indexOf('\n') + 1, lookup.indexOf('\n\n') + 1);
        assert.equal(lines, (await db.gosum(TOOLCHAIN_MODULE, platform.version))?.toString());
      } finally {
        await proxy.close();
        await rm(dataDir, { recursive: true, force: true });
      }
    });
  },
  // Toolchain switching exists from Go 1.21 on.
  ['1.23'],
);
