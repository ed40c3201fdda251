// The own database's signer key is created once even when several processes start on a fresh data
// directory at the same moment (the workers of `serve --workers N`): all of them sign with the key kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { keyFilePath, loadOrCreateKey } from './own-key.js';

test('starting several times at once on a fresh data directory creates one key, which every start uses', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-own-key-'));
  const config = await loadConfig({ flags: { data }, env: {} });
  const keys = await Promise.all(Array.from({ length: 6 }, () => loadOrCreateKey(config)));
  const kept = (await readFile(keyFilePath(config), 'utf8')).trim();
  assert.deepEqual(new Set(keys.map((k) => k.signerKey)), new Set([kept]));
  assert.equal(keys.filter((k) => k.created).length, 1);
  // No temp file (a copy of the secret) stays beside the key.
  assert.deepEqual(await readdir(path.dirname(keyFilePath(config))), [path.basename(keyFilePath(config))]);
  assert.equal((await loadOrCreateKey(config)).created, false);
});
