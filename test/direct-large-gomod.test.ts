// Direct mode and a go.mod over 16 MiB (x/mod's MaxGoMod), against the real go command. GOPROXY=direct reads
// such a go.mod whole (codehost's git ReadFile ignores the limit): the version resolves, its .info is given,
// and only the zip fails ("create zip: go.mod: go.mod file too large"). Through gomodproxy the .info and the .mod
// are the same, and the .zip is 404 with that reason, never a 5xx: `,direct` falls through to the go command's
// own verdict, and alone the go command reports the reason.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { directGoEnv, goListModules, startDirectOracle } from './helpers/git-oracle.js';
import type { DirectOracle } from './helpers/git-oracle.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';
import type { GitServer } from './helpers/git-server.js';
import { forEachGo, goDownload } from './helpers/go.js';
import type { GoEnv } from './helpers/go.js';
import type { RunningProxy } from './helpers/proxy.js';

const MOD = 'github.com/gmpfixture/biggomod';
const TOO_LARGE = 'go.mod file too large (max size is 16777216 bytes)';
let root: string;
let git: GitServer;
let proxy: RunningProxy;
let oracle: DirectOracle | undefined;
let goMod = '';

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-big-gomod-'));
  const repo = await GitRepoBuilder.init(path.join(root, 'gmpfixture/biggomod'));
  // A valid go.mod of 17 MiB: the module line, then comment lines.
  const comments = `// ${'x'.repeat(1021)}\n`.repeat(17 << 10);
  goMod = `module ${MOD}\n\ngo 1.16\n\n${comments}`;
  await repo.commit({ 'go.mod': goMod, 'a.go': 'package biggomod\n' });
  await repo.tag('v1.0.0');
  oracle = await startDirectOracle(root);
  ({ git, proxy } = oracle);
});
after(() => oracle?.close());

test('the .info and the .mod are answered as the go command reads them; the .zip is 404 naming the limit, never 5xx', async () => {
  const info = await proxy.get(`/${MOD}/@v/v1.0.0.info`);
  assert.equal(info.status, 200, await info.clone().text());
  assert.equal(((await info.json()) as { Version: string }).Version, 'v1.0.0');
  assert.equal(await (await proxy.get(`/${MOD}/@v/list`)).text(), 'v1.0.0\n');
  const mod = await proxy.get(`/${MOD}/@v/v1.0.0.mod`);
  assert.equal(mod.status, 200);
  const body = await mod.text();
  assert.ok(body.length > 16 << 20 && body === goMod, `the whole go.mod (${body.length} bytes)`);
  const zip = await proxy.get(`/${MOD}/@v/v1.0.0.zip`);
  assert.equal(zip.status, 404);
  assert.equal(await zip.text(), `not found: create zip: go.mod: ${TOO_LARGE}\n`);
});

await forEachGo('the go command, direct and through gomodproxy, on a go.mod over 16 MiB', (go) => {
  const homes: string[] = [];
  /**
   * A go command with a module cache of its own, whose git reaches the fixture server. Through gomodproxy the
   * module is not private here (a GOPRIVATE module never goes through a proxy) and in no checksum database.
   */
  const goWith = async (goproxy: string): Promise<GoEnv> => {
    const env = await directGoEnv(git.url, go);
    homes.push(env.home);
    if (goproxy === 'direct') return env;
    return { ...env, env: { ...env.env, GOPROXY: goproxy, GOPRIVATE: '', GONOPROXY: '', GONOSUMDB: '*' } };
  };
  after(() => Promise.all(homes.map((h) => rm(h, { recursive: true, force: true }))));

  test('go list -m resolves the version through gomodproxy as it does direct', async () => {
    const [own] = await goListModules(await goWith('direct'), [`${MOD}@v1.0.0`]);
    assert.equal(own?.Error, undefined, JSON.stringify(own));
    const [proxied] = await goListModules(await goWith(proxy.url), [`${MOD}@v1.0.0`]);
    assert.equal(proxied?.Error, undefined, JSON.stringify(proxied));
    assert.deepEqual([proxied?.Version, proxied?.Time], [own?.Version, own?.Time]);
  });

  test('go mod download fails with the reason: through gomodproxy alone, and with ,direct the same way as direct', async () => {
    const own = await goDownload(await goWith('direct'), [`${MOD}@v1.0.0`]);
    assert.notEqual(own.result.code, 0);
    assert.equal(own.downloads[0]?.Error, `create zip: go.mod: ${TOO_LARGE}`);
    const alone = await goDownload(await goWith(proxy.url), [`${MOD}@v1.0.0`]);
    assert.notEqual(alone.result.code, 0);
    assert.match(alone.downloads[0]?.Error ?? '', new RegExp(`404 Not Found\\n\\tserver response: not found: .*${TOO_LARGE.replace(/[()]/g, '\\$&')}`));
    const fallback = await goDownload(await goWith(`${proxy.url},direct`), [`${MOD}@v1.0.0`]);
    assert.notEqual(fallback.result.code, 0);
    assert.equal(fallback.downloads[0]?.Error, own.downloads[0]?.Error);
  });
});
