// Table-driven: hostile or malformed request paths get 400 or 404 with a clear reason — never a 500,
// never an upstream request, never a file written anywhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
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

const CASES: Array<[string, string, number, RegExp]> = [
  ['dot-dot segments', '/example.com/lib/@v/../../../../etc/passwd', 400, /traversal/],
  ['encoded dot-dot', '/example.com/%2e%2e/%2E%2E/@v/list', 400, /traversal/],
  ['encoded slash in the module', '/example.com%2flib/@v/list', 400, /encoded slash/],
  ['encoded slash in the version', '/example.com/lib/@v/v1.0.0%2f..%2f..%2fx.info', 400, /encoded slash/],
  ['NUL byte', '/example.com/lib%00/@v/list', 400, /control character/],
  ['newline in the version', '/example.com/lib/@v/v1.0.0%0a.info', 400, /control character/],
  ['bad percent-encoding', '/example.com/%zz/@v/list', 400, /bad request/],
  ['doubled ! escape', '/example.com/!!lib/@v/list', 400, /bad request/],
  ['! before a non-letter', '/example.com/!1ib/@v/list', 400, /bad request/],
  ['trailing !', '/example.com/lib!/@v/list', 400, /bad request/],
  ['upper-case letters in the path', '/example.com/Lib/@v/list', 400, /bad request/],
  ['upper-case letters in the version', '/example.com/lib/@v/V1.0.0.info', 400, /bad request/],
  ['non-ASCII path', '/example.com/%C3%A9t%C3%A9/@v/list', 400, /bad request/],
  ['first element without a dot', '/localhost/x/@v/list', 400, /bad request/],
  ['leading dash', '/-example.com/x/@v/list', 400, /bad request/],
  ['over-long path', `/example.com/${'a'.repeat(3000)}/@v/list`, 400, /longer than/],
  [
    'a module path too deep to store',
    `/example.com/${'a/'.repeat(600)}x/@v/list`,
    400,
    /module path longer than 700 bytes \(escaped\): more than this proxy stores/,
  ],
  ['a query too long to store', `/example.com/lib/@v/${'q'.repeat(1500)}.info`, 400, /version or query longer than 280 bytes/],
  ['non-canonical .mod version', '/example.com/lib/@v/v1.0.mod', 400, /canonical/],
  ['build metadata on .zip', '/example.com/lib/@v/v1.0.0+meta.zip', 400, /canonical/],
  ['major version that does not fit the path', '/example.com/lib/@v/v2.0.0.mod', 400, /bad request/],
  ['unknown @v file', '/example.com/lib/@v/v1.0.0.tar', 404, /unknown endpoint/],
  ['empty @v file', '/example.com/lib/@v/', 404, /unknown endpoint/],
  ['no endpoint at all', '/example.com/lib', 404, /unknown endpoint/],
  ['the root', '/', 404, /unknown endpoint/],
  ['missing module path', '/@v/list', 404, /unknown endpoint|missing module/],
];

for (const [name, p, status, pattern] of CASES) {
  test(`${name} → ${status}`, async () => {
    const res = await proxy.raw(p);
    assert.equal(res.status, status, `${p}: ${res.body}`);
    assert.match(res.body, pattern);
  });
}

test('none of the bad requests reached the upstream or wrote a file', async () => {
  assert.equal(up.total(), 0);
  assert.deepEqual(await readdir(path.join(proxy.dataDir, 'cache')).catch(() => []), []);
});

test('queries the go command allows (spaces, %, long ones) are asked upstream: 404 here, never a 500', async () => {
  // After the test above: these do reach the upstream, which knows none of them.
  for (const q of ['a%20b', '%20', 'v1.0.0%20', '50%25', 'x'.repeat(280)]) {
    const res = await proxy.raw(`/example.com/lib/@v/${q}.info`);
    assert.equal(res.status, 404, `${q}: ${res.body}`);
    assert.match(res.body, /not found/, q);
  }
});
