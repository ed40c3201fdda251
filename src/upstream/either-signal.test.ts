import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { test } from 'node:test';
import { eitherSignal } from './either-signal.js';

const reasonOf = (signal: AbortSignal | undefined): string => {
  assert.ok(signal !== undefined);
  return (signal.reason as Error).message;
};

test('aborted by either signal, with its reason; released, it leaves no listener on them', () => {
  for (const which of [0, 1]) {
    const sources = [new AbortController(), new AbortController()] as const;
    const link = eitherSignal(sources[0].signal, sources[1].signal);
    assert.equal(getEventListeners(sources[0].signal, 'abort').length, 1);
    (which === 0 ? sources[0] : sources[1]).abort(new Error(`from ${which}`));
    assert.equal(link.signal?.aborted, true);
    assert.equal(reasonOf(link.signal), `from ${which}`);
    link.release();
    for (const s of sources) assert.equal(getEventListeners(s.signal, 'abort').length, 0);
  }
});

test('a long-lived signal linked to many short ones keeps no listener of theirs once released', () => {
  const cut = new AbortController();
  for (let i = 0; i < 1000; i++) eitherSignal(new AbortController().signal, cut.signal).release();
  assert.equal(getEventListeners(cut.signal, 'abort').length, 0);
  const link = eitherSignal(new AbortController().signal, cut.signal);
  cut.abort(new Error('shutdown'));
  assert.equal(reasonOf(link.signal), 'shutdown');
});

test('one signal alone is passed through; one already aborted aborts the link at once', () => {
  const a = new AbortController();
  assert.equal(eitherSignal(a.signal, undefined).signal, a.signal);
  assert.equal(eitherSignal(undefined, undefined).signal, undefined);
  const b = new AbortController();
  b.abort(new Error('early'));
  assert.equal(reasonOf(eitherSignal(a.signal, b.signal).signal), 'early');
});
