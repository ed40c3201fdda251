import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { FeedState } from './api-types.js';
import { feedStates, storageState } from './api-ops.js';
import { combineLive } from './live.js';

const FEED = 'http://parent.example:8080';
const feed = (f: Partial<FeedState>): FeedState => ({ feed: FEED, following: false, refused: false, entries: {}, errors: 0, ...f });

test('the store size is the latest measure of any process, not the largest', () => {
  const live = combineLive([{ store: { bytes: 900, at: 1000 }, feeds: [] }, { store: { bytes: 400, at: 2000 }, feeds: [] }, { feeds: [] }]);
  assert.deepEqual(live.store, { bytes: 400, at: 2000 });
  assert.equal(combineLive([{ feeds: [] }, { feeds: [] }]).store, undefined, 'no process measured: no figure');
});

test("a feed's lag and refusal come from the process following it; what one that lost the lease last saw is dropped; counts add up", () => {
  const live = combineLive([
    // Lost the lease while refused, with an old lag: no longer true.
    { feeds: [feed({ lagSeconds: 500, refused: true, entries: { stored: 3 }, errors: 7 })] },
    { feeds: [feed({ following: true, lagSeconds: 2, entries: { stored: 10, present: 1 }, errors: 1 })] },
  ]);
  assert.deepEqual(live.feeds, [{ feed: FEED, following: true, lagSeconds: 2, refused: false, entries: { stored: 13, present: 1 }, errors: 8 }]);
});

test('the first part of a feed counts the same way as the others: a stale lag is dropped whichever worker answers first', () => {
  const live = combineLive([{ feeds: [feed({ following: true, refused: true })] }, { feeds: [feed({ lagSeconds: 500, refused: true })] }]);
  assert.deepEqual(live.feeds, [{ feed: FEED, following: true, refused: true, entries: {}, errors: 0 }]);
  const nobody = combineLive([{ feeds: [feed({ lagSeconds: 9, refused: true })] }]);
  assert.deepEqual(nobody.feeds, [{ feed: FEED, following: false, refused: false, entries: {}, errors: 0 }], 'followed by no process here: no lag');
});

test('while the lease changes hands two followers may answer: the worse lag and any refusal', () => {
  const live = combineLive([{ feeds: [feed({ following: true, lagSeconds: 3 })] }, { feeds: [feed({ following: true, lagSeconds: 8, refused: true })] }]);
  assert.equal(live.feeds[0]?.lagSeconds, 8);
  assert.equal(live.feeds[0]?.refused, true);
});

test('every configured feed is listed in order, one no process reported included', () => {
  const other = 'https://index.golang.org/index';
  const states = feedStates([other, FEED], { feeds: [feed({ following: true, lagSeconds: 1 })] });
  assert.deepEqual(
    states.map((s) => [s.feed, s.following, s.lagSeconds]),
    [
      [other, false, undefined],
      [FEED, true, 1],
    ],
  );
  assert.deepEqual(feedStates([], { feeds: [] }), []);
});

test('the storage card has what is configured, the measure if there is one, and the disk if it can be read', async () => {
  const eviction = { cap: { bytes: 1 << 30, highPercent: 95, lowPercent: 85 }, minFree: { percent: 5 }, localFiles: true };
  assert.deepEqual(await storageState(eviction, { store: { bytes: 123, at: 5 }, feeds: [] }, async () => ({ available: 10, size: 100 })), {
    ...eviction,
    measured: { bytes: 123, at: 5 },
    disk: { available: 10, size: 100 },
  });
  const failing = async () => {
    throw new Error('EIO');
  };
  assert.deepEqual(await storageState({ localFiles: true }, { feeds: [] }, failing), { localFiles: true }, 'no figure rather than an error');
  assert.deepEqual(await storageState({ localFiles: false }, { feeds: [] }), { localFiles: false });
});
