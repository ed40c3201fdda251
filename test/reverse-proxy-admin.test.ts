// The admin rule "a request made on this machine straight to gomodproxy" behind the smallest reverse proxy an
// operator writes: nginx with `location / { proxy_pass http://127.0.0.1:PORT; }` and nothing else. Such an nginx
// connects from loopback, sends `Host: 127.0.0.1:PORT` (its $proxy_host) and no X-Forwarded-For, so every client
// on the network looked like the proxy's own machine: under --auth private anyone could create an admin token
// (which reads every private module), without --auth anyone could purge. It speaks HTTP/1.0 to its upstreams,
// which no browser, curl or go command on this machine does: that request is not taken for this machine's.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { startNginxSite } from './helpers/replica-cluster.js';
import type { Nginx } from './helpers/replica-cluster.js';

let tmp: string;
let up: FakeUpstream;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-front-'));
  up = await startFakeUpstream(await writeGoproxyDir(path.join(tmp, 'up'), sampleModules()));
});
after(async () => {
  await up?.close();
  await rm(tmp, { recursive: true, force: true });
});

/** nginx with the defaults: no proxy_set_header, no proxy_http_version. */
const bareNginx = (name: string, proxy: RunningProxy) =>
  startNginxSite(path.join(tmp, name), (port) => `server {\n  listen 127.0.0.1:${port};\n  location / { proxy_pass ${proxy.url}; }\n}\n`);

const isAdmin = async (base: string) => ((await (await fetch(`${base}/api/v1/admin`)).json()) as { admin: boolean }).admin;

for (const auth of ['private', 'off'] as const) {
  describe(`behind nginx with its defaults (--auth ${auth})`, () => {
    let proxy: RunningProxy;
    let nginx: Nginx;
    before(async () => {
      proxy = await startProxy({ upstream: up.url, auth });
      nginx = await bareNginx(auth, proxy);
    });
    after(async () => {
      await nginx?.stop();
      await proxy?.close();
    });

    test('a client through it is no admin: no token is created, nothing purged; this machine straight to the proxy still is', async () => {
      assert.equal((await fetch(`${nginx.url}/example.com/lib/@v/v1.0.0.zip`)).status, 200, 'nginx passes requests on');
      assert.equal(await isAdmin(nginx.url), false);
      const create = await fetch(`${nginx.url}/api/v1/admin/tokens`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"name": "intruder", "scopes": ["admin"]}',
      });
      assert.equal(create.status, auth === 'off' ? 403 : 401, await create.text());
      const purge = await fetch(`${nginx.url}/api/v1/admin/modules/example.com/lib/@v/v1.0.0`, { method: 'DELETE' });
      assert.equal(purge.status, auth === 'off' ? 403 : 401, await purge.text());
      assert.equal((await proxy.get('/cached-only/example.com/lib/@v/v1.0.0.zip')).status, 200, 'still cached');

      assert.equal(await isAdmin(proxy.url), true);
      const tokens = await (await proxy.get('/api/v1/admin/tokens')).json();
      assert.deepEqual(tokens, { tokens: [] });
    });
  });
}
