// Access times while the store refuses writes (a full disk): every hit still tries to record its version, but
// the failure is logged once, not once per zip served; once a write works again, a later failure is logged again.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { MemoryStore } from '../storage/memory-store.js';
import { listAll } from '../storage/blob-store.js';
import { AccessTimes } from './access-times.js';

test('a full disk is logged once while every hit fails to record its access time, not once per hit', async () => {
  const lines: string[] = [];
  const log = pino({ level: 'warn' }, { write: (l: string) => void lines.push(l) });
  const content = new MemoryStore();
  let full = true;
  const puts: Promise<unknown>[] = [];
  const store = Object.create(content) as MemoryStore;
  store.put = (key, body) => {
    const p = full ? Promise.reject(Object.assign(new Error("the proxy's disk is full (ENOSPC)"), { code: 'GMP_ERR_STORAGE_FULL' })) : content.put(key, body);
    puts.push(p.catch(() => undefined));
    return p;
  };
  const access = new AccessTimes(store, log, () => 5_000, 1000);
  const settle = async () => {
    // The writes run behind touch(): wait for them, and for the handlers that log their failures.
    await Promise.all(puts.splice(0));
    await new Promise((r) => setImmediate(r));
  };
  for (let i = 0; i < 50; i++) access.touch(`example.com/m${i % 5}`, 'v1.0.0');
  await settle();
  for (let i = 0; i < 50; i++) access.touch(`example.com/m${i % 5}`, 'v1.0.0');
  await settle();
  assert.equal(lines.filter((l) => l.includes('could not record an access time')).length, 1, lines.join(''));
  full = false;
  access.touch('example.com/m0', 'v1.0.0');
  await settle();
  const recorded: string[] = [];
  for await (const k of listAll(content, '')) recorded.push(k);
  assert.equal(recorded.length, 1, 'recorded once the disk has room');
  full = true;
  access.touch('example.com/m1', 'v1.0.0');
  await settle();
  assert.equal(lines.filter((l) => l.includes('could not record an access time')).length, 2, 'a new run of failures is logged again');
});

test('a zip this process stored in the current bucket needs no access file: its own time records the use', async () => {
  const store = new MemoryStore();
  let now = 10_500;
  const access = new AccessTimes(store, pino({ level: 'silent' }), () => now, 1000);
  const recorded = async () => {
    await new Promise((r) => setImmediate(r));
    const keys: string[] = [];
    for await (const k of listAll(store, '')) keys.push(k);
    return keys.sort();
  };
  access.stored('example.com/filled', 'v1.0.0');
  access.touch('example.com/served', 'v1.0.0', 10_200);
  access.touch('example.com/served', 'v1.0.0');
  assert.deepEqual(await recorded(), [], 'a fill of this bucket writes nothing, nor do later hits in it');
  // Stored in an earlier bucket: the hit is the newer use, and is written.
  access.touch('example.com/old', 'v1.0.0', 9_900);
  assert.deepEqual(await recorded(), ['access/example.com/old@v1.0.0/10000']);
  now = 11_100;
  access.touch('example.com/filled', 'v1.0.0', 10_400);
  assert.deepEqual(await recorded(), ['access/example.com/filled@v1.0.0/11000', 'access/example.com/old@v1.0.0/10000'], 'a hit in a later bucket is written');
});
