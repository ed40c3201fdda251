// The client side of tokens as a developer meets it: `env --auth` prints the .netrc lines (both machine
// spellings on a port, as Go 1.19 and 1.23 look them up) and the GOAUTH setting; `doctor` warns when a
// .netrc entry would go to a proxy on plain http, where the go command never sends it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';

test('env --auth prints a .netrc line per machine spelling and a GOAUTH Bearer setting for the proxy', async () => {
  const c = captureIO();
  assert.equal(await main(['env', '--auth', 'https://proxy.corp.example.com:8443'], c.io), 0, c.text.stderr);
  assert.match(c.text.stdout, /machine proxy\.corp\.example\.com login gomodproxy password <token>/);
  assert.match(c.text.stdout, /machine proxy\.corp\.example\.com:8443 login gomodproxy password <token>/);
  assert.match(c.text.stdout, /GOAUTH=.*Authorization:\\\\040Bearer.* https:\/\/proxy\.corp\.example\.com:8443 \$GOMODPROXY_TOKEN/);
  assert.doesNotMatch(c.text.stdout, /WARNING/);
});

test('env --auth for a plain http proxy warns that the go command will not send the token', async () => {
  const c = captureIO();
  assert.equal(await main(['env', '--auth', 'http://proxy.corp.example.com'], c.io), 0, c.text.stderr);
  assert.match(c.text.stdout, /WARNING: http:\/\/proxy\.corp\.example\.com is plain http/);
});

test('doctor warns about .netrc credentials for a proxy on plain http, by host or host:port', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'gmp-doctor-netrc-'));
  try {
    for (const machine of ['proxy.corp.example.com', 'proxy.corp.example.com:8080']) {
      await writeFile(path.join(home, '.netrc'), `machine ${machine} login x password y\n`);
      const env = { HOME: home, GOPROXY: 'http://proxy.corp.example.com:8080', GOSUMDB: 'off', GOFLAGS: '', GONOSUMDB: '', GOPRIVATE: '' };
      const c = captureIO({ env });
      await main(['doctor', '--go', 'none', '--no-probe'], c.io);
      assert.match(c.text.stdout, /\.netrc has credentials for proxy\.corp\.example\.com.*plain http/, machine);
      assert.doesNotMatch(c.text.stdout, /login x|password y/, 'the credentials themselves are not printed');
    }
    const c = captureIO({ env: { HOME: home, GOPROXY: 'https://proxy.corp.example.com:8080', GOSUMDB: 'off' } });
    await main(['doctor', '--go', 'none', '--no-probe'], c.io);
    assert.doesNotMatch(c.text.stdout, /\.netrc has credentials/, 'no warning over https');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});
