// The stores of an instance at shutdown: the scratch area goes last, after the writes into it have ended.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { isGmpError } from '../errors.js';
import { openLayout } from './layout.js';

async function layoutIn(data: string) {
  return openLayout(await loadConfig({ flags: { data }, env: {} }));
}

test('close waits for the writes in flight (an access time written behind a hit) before it removes the scratch area', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-layout-'));
  try {
    const layout = await layoutIn(data);
    // Written behind answers and never awaited by their callers: still on their way when the server closes.
    const puts = Array.from({ length: 200 }, (_, i) => layout.content.put(`access/example.com/m${i}@v1.0.0/0`, ''));
    await layout.close();
    const results = await Promise.allSettled(puts);
    assert.deepEqual(
      results.filter((r) => r.status === 'rejected').map((r) => String(r.reason)),
      [],
      'every write started before close was stored',
    );
    assert.equal(existsSync(layout.scratch.dir), false, 'the scratch area is gone');
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});

test('a write that starts after close is refused as a shutdown and does not bring the scratch area back', async () => {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-layout-'));
  try {
    const layout = await layoutIn(data);
    await layout.close();
    const err = await layout.content.put('access/example.com/late@v1.0.0/0', '').catch((e: unknown) => e);
    assert.ok(isGmpError(err, 'GMP_ERR_SHUTTING_DOWN'), String(err));
    assert.equal(existsSync(layout.scratch.dir), false, 'no scratch area made again');
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});
