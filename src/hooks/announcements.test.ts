// Refreshes announced through the coordinator reach the other processes once each, never the announcer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCoordinator } from '../coord/local.js';
import { Announcements } from './announcements.js';
import { Deliveries } from './deliveries.js';

test('each other process forgets an announced module once; the announcer does not', async () => {
  const coord = new LocalCoordinator();
  const heard: Record<string, string[]> = { a: [], b: [] };
  const a = new Announcements(coord, (m) => void heard.a?.push(m));
  const b = new Announcements(coord, (m) => void heard.b?.push(m));
  await a.start(60_000);
  await b.start(60_000);
  await a.announce(['example.com/x', 'example.com/y']);
  await Promise.all([a.poll(), b.poll()]);
  await Promise.all([a.poll(), b.poll()]);
  assert.deepEqual(heard, { a: [], b: ['example.com/x', 'example.com/y'] });
  await Promise.all([a.close(), b.close()]);
});

test('a process that missed more announcements than are kept forgets everything at once', async () => {
  const coord = new LocalCoordinator();
  const heard: string[] = [];
  const late = new Announcements(coord, (m) => void heard.push(m));
  await late.start(60_000);
  const busy = new Announcements(coord, () => undefined);
  await busy.announce(Array.from({ length: 250 }, (_, i) => `example.com/m${i}`));
  await late.poll();
  assert.deepEqual(heard, ['all']);
});

test('a webhook delivery id seen before is a replay; other ids and requests without one are not', () => {
  let now = 0;
  const d = new Deliveries(() => now);
  assert.equal(d.replayed({ 'x-github-delivery': 'one' }), false);
  assert.equal(d.replayed({ 'x-github-delivery': 'one' }), true);
  assert.equal(d.replayed({ 'x-gitlab-event-uuid': 'two' }), false);
  assert.equal(d.replayed({}), false);
  assert.equal(d.replayed({}), false);
  now += 2 * 3_600_000;
  assert.equal(d.replayed({ 'x-github-delivery': 'one' }), false, 'remembered for a window, not forever');
});
