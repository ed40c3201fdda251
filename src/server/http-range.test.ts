import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRange } from './http-range.js';

const cases: Array<[string | undefined, number, ReturnType<typeof parseRange>]> = [
  [undefined, 100, undefined],
  ['bytes=0-9', 100, { start: 0, end: 9 }],
  ['bytes=90-', 100, { start: 90, end: 99 }],
  ['bytes=-10', 100, { start: 90, end: 99 }],
  ['bytes=-200', 100, { start: 0, end: 99 }],
  ['bytes=50-500', 100, { start: 50, end: 99 }],
  ['bytes=100-', 100, 'unsatisfiable'],
  ['bytes=-0', 100, 'unsatisfiable'],
  ['bytes=9-1', 100, undefined],
  ['bytes=0-1,5-6', 100, undefined],
  ['items=0-1', 100, undefined],
];

for (const [header, size, want] of cases) {
  test(`Range ${String(header)} on ${size} bytes gives ${JSON.stringify(want)}`, () => {
    assert.deepEqual(parseRange(header, size), want);
  });
}
