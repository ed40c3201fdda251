// An edge whose --upstream is a central gomodproxy with a policy: a version the central refuses (--deny: 403 with
// X-Gomodproxy-Error GMP_ERR_POLICY_DENIED) reaches the go command through the edge as that 403 with the central's
// message (GMP_ERR_UPSTREAM_DENIED), through one tier or two, and nothing of it is stored on the way. The edge
// answered 502 "upstream … answered 403", which reads as an upstream failure worth retrying.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goDownload, goEnv } from './helpers/go.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

const MOD = 'example.com/lib';
const RULE = `${MOD}@v1.1.0`;
let root: string;
let up: FakeUpstream;
let central: RunningProxy;
let edge: RunningProxy;
/** An edge of the edge: the refusal comes to it as GMP_ERR_UPSTREAM_DENIED, and stays one. */
let outer: RunningProxy;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-edge-policy-'));
  const versions = ['v1.0.0', 'v1.1.0'].map((version) => ({ version, files: { 'a.go': 'package a\n' } }));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), [{ path: MOD, versions }]));
  central = await startProxy({ upstream: up.url, deny: RULE });
  edge = await startProxy({ upstream: central.url });
  outer = await startProxy({ upstream: edge.url });
});
after(async () => {
  await outer?.close();
  await edge?.close();
  await central?.close();
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

/** Every file the proxy's cache holds for the version (none for one it refused). */
async function stored(p: RunningProxy, version: string): Promise<string[]> {
  const files = await readdir(path.join(p.dataDir, 'cache'), { recursive: true }).catch(() => [] as string[]);
  return files.filter((f) => f.includes(`@v/${version}.`));
}

describe('a central policy refusal through edges', () => {
  for (const [name, tier] of [
    ['an edge', () => edge],
    ['an edge of the edge', () => outer],
  ] as const) {
    test(`${name} answers every artifact of a version the central denies with the central's 403 and stores nothing of it`, async () => {
      for (const ext of ['info', 'mod', 'zip']) {
        const res = await tier().get(`/${MOD}/@v/v1.1.0.${ext}`);
        const body = await res.text();
        assert.equal(res.status, 403, `${ext}: ${body}`);
        assert.equal(res.headers.get('x-gomodproxy-error'), 'GMP_ERR_UPSTREAM_DENIED', ext);
        assert.equal(res.headers.get('retry-after'), null, `${ext}: not a failure to come back for`);
        assert.match(
          body,
          new RegExp(`refuses it by its policy: forbidden: ${RULE.replaceAll('.', '\\.')} is denied by the policy rule "${RULE.replaceAll('.', '\\.')}"`),
          ext,
        );
      }
      assert.deepEqual(await stored(tier(), 'v1.1.0'), []);
      assert.equal((await tier().get(`/${MOD}/@v/v1.0.0.zip`)).status, 200, 'an allowed version is served');
    });
  }
});

await forEachGo('the go command through an edge of a central that denies a version', (go) => {
  test("go mod download fails with the central's rule, and gets the allowed version", async () => {
    const env = await goEnv(edge.url, {}, go);
    try {
      const denied = await goDownload(env, [`${MOD}@v1.1.0`]);
      assert.notEqual(denied.result.code, 0);
      const said = `${denied.result.stderr}\n${denied.downloads.map((d) => d.Error ?? '').join('\n')}`;
      assert.match(said, /403 Forbidden/, said);
      assert.match(said, /is denied by the policy rule "example\.com\/lib@v1\.1\.0"/, said);
      const allowed = await goDownload(env, [`${MOD}@v1.0.0`]);
      assert.equal(allowed.result.code, 0, allowed.result.stderr);
    } finally {
      await rm(env.home, { recursive: true, force: true });
    }
  });
});
