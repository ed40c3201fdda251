// `gomodproxy sumdb key` prints the key the server uses — read with the same loader as `serve` (--data,
// --config, environment) and checked against a running server given with --url — and never makes one up.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { newVerifier } from '../src/sumdb/note-keys.js';
import { open, verifierList } from '../src/sumdb/note.js';
import { captureIO } from './helpers/cli-io.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

async function sumdbKey(argv: string[], env: Record<string, string> = {}) {
  const c = captureIO({ env });
  const code = await main(['sumdb', 'key', ...argv], c.io);
  return { code, ...c.text };
}

let dataDir: string;
let proxy: RunningProxy;

before(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-key-'));
  proxy = await startProxy({ upstream: 'off', 'own-sumdb': 'on' }, { dataDir });
});
after(async () => {
  await proxy.close();
});

test('where no key exists it fails with a clear message and creates nothing', async () => {
  const empty = await mkdtemp(path.join(tmpdir(), 'gmp-nokey-'));
  const r = await sumdbKey(['--data', empty]);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^gomodproxy sumdb key: no signer key at .*signer\.key.*serve/);
  assert.deepEqual(await readdir(empty), [], 'no key file, no directory');
});

test('it prints the key the running server signs its tree with, found through --data, --config or the environment', async () => {
  const latest = Buffer.from(await (await proxy.get('/sumdb/sum.gomodproxy.local/latest')).arrayBuffer());
  const config = path.join(dataDir, '..', `${path.basename(dataDir)}.yaml`);
  await writeFile(config, `data: ${JSON.stringify(dataDir)}\n`);
  for (const [argv, env] of [
    [['--data', dataDir], {}],
    [['--config', config], {}],
    [[], { GOMODPROXY_DATA: dataDir }],
  ] as const) {
    const r = await sumdbKey([...argv], env);
    assert.equal(r.code, 0, r.stderr);
    const key = r.stdout.split('\n')[0] ?? '';
    assert.match(key, /^sum\.gomodproxy\.local\+[0-9a-f]{8}\+/);
    // Throws unless the server's signed tree verifies with exactly this key.
    open(latest, verifierList(newVerifier(key)));
    assert.match(r.stdout, /export GOSUMDB='sum\.gomodproxy\.local\+\S+ http:\/\/\S+\/sumdb\/sum\.gomodproxy\.local'/);
  }
});

test('--url checks the key against that running server and refuses a key it does not use', async () => {
  const ok = await sumdbKey(['--data', dataDir, '--url', proxy.url]);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`export GOSUMDB='\\S+ ${proxy.url}/sumdb/sum\\.gomodproxy\\.local'`));
  const otherDir = await mkdtemp(path.join(tmpdir(), 'gmp-key2-'));
  const other = await startProxy({ upstream: 'off', 'own-sumdb': 'on' }, { dataDir: otherDir });
  await other.close();
  const wrong = await sumdbKey(['--data', otherDir, '--url', proxy.url]);
  assert.equal(wrong.code, 1);
  assert.equal(wrong.stdout, '');
  assert.match(wrong.stderr, /does not sign with the key from/);
});

test('with the own checksum database off there is no key to print', async () => {
  const r = await sumdbKey(['--data', dataDir, '--own-sumdb', 'off']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /own checksum database is off/);
});

test('--url against a server that answers an error passes on its reason, and says "does not serve" only for 404', async () => {
  const { createServer } = await import('node:http');
  let status = 502;
  const srv = createServer((_req, res) =>
    res.writeHead(status, { 'content-type': 'text/plain' }).end('checksum database x is not trusted after a security error\n'),
  );
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as import('node:net').AddressInfo).port}`;
  try {
    const r = await sumdbKey(['--data', dataDir, '--url', url]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /answered 502: checksum database x is not trusted after a security error\n$/);
    assert.doesNotMatch(r.stderr, /does not serve/);
    status = 404;
    assert.match((await sumdbKey(['--data', dataDir, '--url', url])).stderr, /answered 404: the server at .* does not serve the checksum database/);
  } finally {
    srv.close();
  }
});

test('without --url the GOSUMDB line names the --listen address, an IPv6 one in brackets as URLs need', async () => {
  for (const [listen, url] of [
    ['[::1]:3001', 'http://[::1]:3001'],
    ['127.0.0.1:3001', 'http://127.0.0.1:3001'],
    [':3001', 'http://localhost:3001'],
    ['[::]:3001', 'http://localhost:3001'],
  ] as const) {
    const r = await sumdbKey(['--data', dataDir, '--listen', listen]);
    assert.equal(r.code, 0, r.stderr);
    const line = /export GOSUMDB='\S+ (\S+)'/.exec(r.stdout)?.[1] ?? '';
    assert.equal(line, `${url}/sumdb/sum.gomodproxy.local`, listen);
    assert.equal(new URL(line).port, '3001');
  }
});
