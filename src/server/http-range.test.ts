import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ifRangeAllows, parseRange } from './http-range.js';

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

const ETAG = '"abc123"';
const ifRangeCases: Array<[string | undefined, boolean]> = [
  [undefined, true],
  [ETAG, true],
  [` ${ETAG} `, true],
  ['"other"', false],
  [`W/${ETAG}`, false],
  ['Sun, 29 Nov 2026 10:00:00 GMT', false],
  ['', false],
];

for (const [header, want] of ifRangeCases) {
  test(`If-Range ${JSON.stringify(header)} against ${ETAG} ${want ? 'lets the Range apply' : 'means the whole body'}`, () => {
    assert.equal(ifRangeAllows(header, ETAG), want);
  });
}
