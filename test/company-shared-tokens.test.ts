// Tokens where replicas agree: with --coordinator redis://… `gomodproxy token create` writes to that Redis,
// so a replica with another data directory accepts the token at once, and a revocation reaches it too; a
// token made through a replica's Admin API lands in the same Redis.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { ownService } from './helpers/own-service.js';
import type { OwnService } from './helpers/own-service.js';

let redisServer: OwnService;
let redis = '';
let up: FakeUpstream;
let replica: RunningProxy;
let cliData: string;

async function cli(...args: string[]): Promise<string> {
  const c = captureIO();
  assert.equal(await main([...args, '--data', cliData, '--coordinator', redis], c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

const status = async (token?: string) =>
  (await fetch(`${replica.url}/example.com/lib/@v/list`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } })).status;

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-shared-tok-')), sampleModules()));
  cliData = await mkdtemp(path.join(tmpdir(), 'gmp-shared-tok-cli-'));
  // A Redis of its own: a coordinator belongs to one storage, and the shared one holds other runs' logs.
  redisServer = await ownService('redis', (dir, port) => ({ GMP_REDIS_DIR: dir, GMP_REDIS_PORT: String(port) }));
  redis = (await redisServer.start()).REDIS_URL as string;
  replica = await startProxy({ upstream: up.url, auth: 'all', coordinator: redis });
});

after(async () => {
  await replica?.close();
  await up?.close();
  await redisServer?.cleanup();
});

test('a token created against the shared coordinator works on a replica with another data directory, until revoked', async () => {
  assert.equal(await status(), 401);
  // A name of this run's own.
  const name = `shared-${randomBytes(4).toString('hex')}`;
  const token = await cli('token', 'create', '--name', name, '--scope', 'read:example.com');
  assert.equal(await status(token), 200);
  const listed = await cli('token', 'list', '--json');
  assert.ok(listed.includes(`"${name}"`), listed);
  assert.ok(!listed.includes(token), 'the list never shows a token');
  const id = (JSON.parse(listed) as Array<{ name: string; id: string }>).find((t) => t.name === name)?.id;
  assert.ok(id !== undefined, listed);
  await cli('token', 'revoke', id);
  // The replica remembers a token's record for a few seconds; a revoked one is refused once it looks again.
  const deadline = Date.now() + 60_000;
  while ((await status(token)) !== 401) {
    assert.ok(Date.now() < deadline, 'the revocation reached the replica');
    await new Promise((r) => setTimeout(r, 200));
  }
});

test("a token made through a replica's Admin API is kept in the shared coordinator: the CLI of another data directory lists and revokes it", async () => {
  const run = randomBytes(4).toString('hex');
  const admin = await cli('token', 'create', '--name', `admin-${run}`, '--scope', 'admin');
  const name = `api-${run}`;
  const res = await fetch(`${replica.url}/api/v1/admin/tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name, scopes: ['read:example.com'] }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const { secret } = (await res.json()) as { secret: string };
  assert.equal(await status(secret), 200);
  const listed = JSON.parse(await cli('token', 'list', '--json')) as Array<{ name: string; status: string }>;
  assert.equal(listed.find((t) => t.name === name)?.status, 'active');
  await cli('token', 'revoke', name);
  await cli('token', 'revoke', `admin-${run}`);
  await eventually(async () => (await status(secret)) === 401, 'the revocation reached the replica');
});

test('while the coordinator is down, a token that must be looked up gets 503 with Retry-After and a message that says the token cannot be checked; once it is back, 200', async () => {
  const token = await cli('token', 'create', '--name', `outage-${randomBytes(4).toString('hex')}`, '--scope', 'read:example.com');
  await redisServer.stop();
  try {
    // The replica remembers a record for a few seconds: a token it has not looked up yet is asked of Redis.
    const res = await fetch(`${replica.url}/example.com/lib/@v/list`, { headers: { authorization: `Bearer ${token}` } });
    const body = await res.text();
    assert.equal(res.status, 503, body);
    assert.ok(Number(res.headers.get('retry-after')) > 0);
    assert.match(body, /^service unavailable: the token cannot be checked: the coordinator that keeps the tokens cannot be reached; retry once it answers\n$/);
    assert.ok(!body.includes(token), 'the token is not echoed');
    assert.ok(!body.includes('127.0.0.1'), "nor the coordinator's address");
  } finally {
    await redisServer.start();
  }
  await eventually(async () => (await status(token)) === 200, 'the token works once the coordinator is back');
});
