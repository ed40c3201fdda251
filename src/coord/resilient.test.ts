// The resilient wrapper: it keeps the coordinator contract (conformance suite over the in-process backend),
// and its availability follows real outcomes and recovers by itself through the probe.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Availability } from './availability.js';
import { switchableCoordinator } from '../../test/helpers/switchable-coordinator.js';
import { coordinatorConformance } from './conformance.js';
import type { Coordinator } from './coordinator.js';
import { LocalCoordinator } from './local.js';
import { PROBE_KEY, ResilientCoordinator } from './resilient.js';

function wrap(inner: Coordinator, opts: ConstructorParameters<typeof Availability>[2] = {}): ResilientCoordinator {
  return new ResilientCoordinator(inner, new Availability('coordinator', () => inner.get(PROBE_KEY), opts));
}

coordinatorConformance('resilient wrapper over local', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  const local = new LocalCoordinator(dir);
  const coord = wrap(local);
  return {
    connect: async (owner) => (owner === undefined ? coord : wrap(local.as(owner))),
    restart: async () => {
      await coord.close();
      return wrap(new LocalCoordinator(dir));
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

test('an unavailable answer marks the coordinator down with its reason, and the probe brings it back without any other call', async () => {
  const coord = switchableCoordinator();
  const changes: Array<[boolean, string | undefined]> = [];
  const c = wrap(coord, { downProbeMs: 20, upProbeMs: 60_000, onChange: (up, why) => changes.push([up, why]) });
  c.availability.start();
  try {
    assert.equal(await c.cas('k', undefined, 'v'), true);
    coord.down = true;
    await assert.rejects(c.get('k'), /connection refused/);
    assert.equal(c.availability.up, false);
    assert.match(c.availability.reason ?? '', /connection refused/);
    coord.down = false;
    for (let i = 0; i < 200 && !c.availability.up; i++) await sleep(10);
    assert.equal(c.availability.up, true);
    assert.deepEqual(changes, [
      [false, 'switchable: connection refused'],
      [true, undefined],
    ]);
  } finally {
    await c.close();
  }
});

test('other failures (a bad name) say nothing about availability', async () => {
  const c = wrap(new LocalCoordinator());
  await assert.rejects(c.get('has space'));
  assert.equal(c.availability.up, true);
  await c.close();
});
