// The line a second process on a claimed data directory gets: the holder's pid, and where it listens once it does.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { loadConfig } from '../config/load.js';
import { claimData } from './data-dir.js';

test('a server asked for port 0 is named as starting with that --listen until it binds, then by the port it listens on', async (t) => {
  if (process.platform !== 'linux') return t.skip('abstract Unix sockets exist on Linux only');
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-data-dir-'));
  try {
    const config = await loadConfig({ flags: { data, listen: '127.0.0.1:0' }, env: {} });
    const claim = await claimData(config, config.listen, 'stop it');
    const refusal = async () =>
      (
        await claimData(config, undefined, 'stop it').then(
          () => assert.fail('claimed twice'),
          (err: Error) => err,
        )
      ).message;
    assert.equal(
      await refusal(),
      `the data directory ${data} is in use by another gomodproxy serve (pid ${process.pid}, starting, with --listen 127.0.0.1:0): stop it`,
    );
    claim.bound('127.0.0.1', 41301);
    assert.equal(
      await refusal(),
      `the data directory ${data} is in use by another gomodproxy serve (pid ${process.pid}, listening on 127.0.0.1:41301): stop it`,
    );
    await claim.release();
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});
