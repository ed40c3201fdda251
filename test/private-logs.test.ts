// The request log under --auth private at debug level: private module paths never appear in it, also on
// requests no GOPROXY route parsed (refused by the auth hook, a checksum-database lookup, the dashboard's
// API, a malformed or unknown path), case-escaped or percent-encoded.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { createServer } from '../src/app/compose.js';
import type { Server } from '../src/app/compose.js';
import { TokenStore } from '../src/auth/token-store.js';
import { loadConfig } from '../src/config/load.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';

let tmp: string;
let server: Server;
let url: string;
let reader = '';
let admin = '';
const lines: string[] = [];

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-private-logs-'));
  const pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
  const priv = await writeGoproxyDir(path.join(tmp, 'private'), [
    { path: 'corp.example.com/Secret', versions: [{ version: 'v1.0.0' }] },
    { path: 'git.corp.example.net/team/lib', versions: [{ version: 'v1.0.0' }] },
  ]);
  const config = await loadConfig({
    flags: {
      data: path.join(tmp, 'data'),
      listen: '127.0.0.1:0',
      upstream: `file://${pub}`,
      private: 'corp.example.com,git.corp.example.net/team',
      'private-upstream': `file://${priv}`,
      auth: 'private',
      sumdb: 'off',
      'own-sumdb': 'on',
      'read-ahead': '0',
    },
    env: {},
  });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      done();
    },
  });
  server = await createServer(config, { defaultMetrics: false, logger: pino({ level: 'debug' }, sink) });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  url = `http://127.0.0.1:${(server.app.server.address() as AddressInfo).port}`;
  reader = (await new TokenStore(server.coord).create({ name: 'reader', scopes: ['read:corp.example.com'] })).token;
  admin = (await new TokenStore(server.coord).create({ name: 'admin', scopes: ['admin'] })).token;
});
after(async () => {
  await server?.close();
  await rm(tmp, { recursive: true, force: true });
});

test('no log line names a private module, whatever the request and its answer', async () => {
  const bearer = { authorization: `Bearer ${reader}` };
  const asks: Array<[string, Record<string, string>?, string?]> = [
    ['/corp.example.com/!secret/@v/list'],
    ['/corp.example.com/!secret/@v/list', bearer],
    ['/corp.example.com/%21secret/@v/v1.0.0.info'],
    ['/cached-only/corp.example.com/!secret/@v/v1.0.0.mod'],
    ['/git.corp.example.net/team/lib/@latest', bearer],
    ['/corp.example.com/!secret/@v/v1.0.0.nope', bearer],
    ['/sumdb/sum.gomodproxy.local/lookup/corp.example.com/!secret@v1.0.0'],
    ['/sumdb/sum.golang.org/lookup/git.corp.example.net/team/lib@v1.0.0', bearer],
    ['/api/v1/modules/corp.example.com/!secret', bearer],
    ['/api/v1/modules?q=git.corp.example.net%2Fteam', bearer],
    ['/corp.example.com/!secret/@v/list', {}, 'POST'],
  ];
  for (const [p, headers, method] of asks) await (await fetch(url + p, { headers, method: method ?? 'GET' })).arrayBuffer();
  await (await fetch(`${url}/example.com/lib/@v/list`)).arrayBuffer();
  // A token created from the dashboard is logged, but not its scopes: they name private modules.
  const created = await fetch(`${url}/api/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'team-ci', scopes: ['read:corp.example.com/team/*'] }),
  });
  assert.equal(created.status, 201, await created.text());
  // Nothing reads a token from the query string, and the log does not keep it either.
  for (const p of [`/example.com/lib/@v/list?token=${reader}`, `/api/v1/modules?q=x&token=${reader}`, `/nope?token=${reader}`]) {
    await (await fetch(url + p)).arrayBuffer();
  }
  await new Promise((r) => setTimeout(r, 100));
  const requests = lines.filter((l) => l.includes('"msg":"request"'));
  assert.ok(requests.length >= asks.length, `every request is logged at debug (${requests.length})`);
  assert.ok(
    requests.some((l) => l.includes('/example.com/lib/@v/list')),
    'public paths are logged as they are',
  );
  const leaks = lines.filter((l) => /corp\.example|!secret|%21secret/i.test(l));
  assert.deepEqual(leaks, [], 'private module paths in the log');
  assert.deepEqual(
    lines.filter((l) => l.includes(reader.slice(21))),
    [],
    'nor the token',
  );
  assert.ok(
    requests.some((l) => l.includes(`token=gmp_${reader.slice(4, 20)}_<redacted>`)),
    'a token in a URL is logged by its id alone',
  );
});

test('namesPrivate finds a private path after route words and before a long tail, and bounds its work on long URLs', async () => {
  const { namesPrivate } = await import('../src/server/app.js');
  const { matchPrefixPatterns } = await import('../src/protocol/glob.js');
  const redact = (p: string) => (matchPrefixPatterns('corp.example.com', p) ? '<private>' : p);
  assert.equal(namesPrivate(`/api/v1/admin/pins/corp.example.com/x/@v/${'a/'.repeat(5000)}`, redact), true);
  assert.equal(namesPrivate(`/sumdb/sum.golang.org/lookup/corp.example.com/x@v1.0.0`, redact), true);
  assert.equal(namesPrivate(`/ui/modules?q=${'x&'.repeat(10)}m=corp.example.com%2Fx`, redact), true);
  assert.equal(namesPrivate(`/${'a/'.repeat(8000)}`, redact), false);
  assert.equal(namesPrivate('/example.com/lib/@v/list', redact), false);
});
