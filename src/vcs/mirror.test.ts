import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setImmediate as tick } from 'node:timers/promises';
import { GitMirror } from './mirror.js';

test('many git calls at once on one mirror (fills, prefetches) print no MaxListenersExceededWarning', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-mirror-'));
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(w.name);
  process.on('warning', onWarning);
  const mirror = new GitMirror('https://example.com/r.git', dir, { root: dir, refreshIntervalMs: 60_000, timeoutMs: 30_000, partialClone: true });
  try {
    execFileSync('git', ['init', '-q', '--bare', dir]);
    // Each running call listens for the mirror's close; Node warns from the 11th listener on one signal.
    const out = await Promise.all(Array.from({ length: 24 }, () => mirror.git(['rev-parse', '--is-bare-repository'])));
    assert.deepEqual(new Set(out.map((b) => b.toString().trim())), new Set(['true']));
    await tick();
    assert.deepEqual(warnings, []);
  } finally {
    process.off('warning', onWarning);
    await mirror.close();
    await rm(dir, { recursive: true, force: true });
  }
});
