// A coordinator outage is logged once, where its availability is watched ("the coordinator cannot be reached"),
// and once more when it answers again: not by every part that needs it on each of its ticks, which wrote an
// error line every 200 ms (the own checksum database's writer) and a warning every 2 s (the index feed's
// election) for as long as the outage lasted.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { privatePostgres } from './helpers/postgres.js';
import type { PrivatePostgres } from './helpers/postgres.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';

let root: string;
let pg: PrivatePostgres;
let upstream: FakeUpstream;
let proxy: ProxyProcess | undefined;

const flags = () => ({
  data: path.join(root, 'data'),
  workers: '1',
  storage: `fs:${path.join(root, 'shared')}`,
  coordinator: pg.url,
  upstream: upstream.url,
  sumdb: 'off',
  'read-ahead': '0',
});

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-coord-logs-'));
  pg = await privatePostgres();
  upstream = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), sampleModules()));
});

after(async () => {
  await proxy?.stop();
  await upstream?.close();
  await pg?.destroy();
  if (root !== undefined) await rm(root, { recursive: true, force: true });
});

test('while PostgreSQL is down, the replica warns once that the coordinator is unreachable, however long it lasts', { timeout: 120_000 }, async () => {
  proxy = await startProxyProcess(flags());
  const url = proxy.url;
  assert.equal((await fetch(`${url}/example.com/lib/@v/v1.0.0.zip`)).status, 200);
  await pg.stop();
  // Fills go on, degraded; what they leave for the own checksum database and the index feed waits.
  for (const m of ['example.com/lib/@v/v1.1.0.zip', 'example.com/old/@v/v1.0.0.zip']) assert.equal((await fetch(`${url}/${m}`)).status, 200);
  await sleep(8000);
  assert.match(await (await fetch(`${url}/readyz`)).text(), /^degraded: coordinator: unreachable/);
  const loud = proxy.logs.filter((l) => /"level":[4-6]\d/.test(l));
  const unreachable = loud.filter((l) => l.includes('the coordinator cannot be reached'));
  assert.equal(unreachable.length, 1, loud.join('\n'));
  const others = loud.filter((l) => /own checksum database|index feed/.test(l));
  assert.deepEqual(others, [], 'the outage logged again by the parts that wait for it');
  await pg.start();
  for (let i = 0; i < 100 && !(await (await fetch(`${url}/readyz`)).text()).startsWith('ready'); i++) await sleep(200);
  assert.equal(await (await fetch(`${url}/readyz`)).text(), 'ready\n');
});

test('a replica started while PostgreSQL is down fills without a warning per fill from the own checksum database', { timeout: 120_000 }, async () => {
  // It keeps its copy of the shared signer key from its first start (the test above); it has never seen the log's
  // head, so every fill's comparison with the own checksum database finds the coordinator unreachable.
  await proxy?.stop();
  await pg.stop();
  proxy = await startProxyProcess(flags());
  const url = proxy.url;
  for (const m of ['example.com/lib/@v/v1.2.0-rc.1.zip', 'example.com/!upper/!case/@v/v0.1.0.zip', 'example.com/old/@v/v2.0.0+incompatible.zip'])
    assert.equal((await fetch(`${url}/${m}`)).status, 200, m);
  assert.match(await (await fetch(`${url}/readyz`)).text(), /^degraded: coordinator: unreachable/);
  const loud = proxy.logs.filter((l) => /"level":[4-6]\d/.test(l));
  assert.equal(loud.filter((l) => l.includes('the coordinator cannot be reached')).length, 1, loud.join('\n'));
  assert.deepEqual(
    loud.filter((l) => /own checksum database|index feed/.test(l)),
    [],
    'the outage logged again for each fill',
  );
  await pg.start();
  for (let i = 0; i < 100 && !(await (await fetch(`${url}/readyz`)).text()).startsWith('ready'); i++) await sleep(200);
  assert.equal(await (await fetch(`${url}/readyz`)).text(), 'ready\n');
});
