// The own checksum database's record batching: close() waits for a batch already being hashed, so a
// version served just before shutdown is in the log after a restart.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../config/load.js';
import { OwnSumdb } from './own-sumdb.js';

test('close() waits for a batch whose hashing started before it was called', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-ownlog-'));
  const config = await loadConfig({ flags: { data } });
  const log = pino({ level: 'silent' });
  try {
    const own = await OwnSumdb.open(config, log);
    let hashing = false;
    own.attach({
      // Slow enough that the batch timer has fired and the batch is still hashing when close() is called.
      zipHash: async () => ((hashing = true), await new Promise((r) => setTimeout(r, 300)), 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='),
      goMod: async () => Buffer.from('module example.com/m\n'),
    });
    own.record('example.com/m', 'v1.0.0', (p) => p);
    while (!hashing) await new Promise((r) => setTimeout(r, 10));
    await own.close();
    const again = await OwnSumdb.open(config, log);
    try {
      assert.equal((await again.log.tree()).n, 1);
    } finally {
      await again.close();
    }
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});
