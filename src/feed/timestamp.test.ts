// Feed timestamps are written as Go writes a time.Time in JSON and read as index.golang.org reads `since`.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTimestamp, parseTimestamp } from './timestamp.js';

test('stamps are RFC 3339 in UTC with the fraction trimmed of trailing zeros, as Go marshals a time', () => {
  const ns = parseTimestamp('2019-04-10T19:08:52.997264Z') as bigint;
  assert.equal(formatTimestamp(ns), '2019-04-10T19:08:52.997264Z');
  assert.equal(formatTimestamp(ns + 1n), '2019-04-10T19:08:52.997264001Z');
  assert.equal(formatTimestamp(parseTimestamp('2019-04-10T19:08:52Z') as bigint), '2019-04-10T19:08:52Z');
  assert.equal(formatTimestamp(parseTimestamp('2019-04-10T19:08:52.100Z') as bigint), '2019-04-10T19:08:52.1Z');
});

test('since values with offsets, nanoseconds and Go’s zero time are understood', () => {
  assert.equal(parseTimestamp('2019-04-10T21:08:52.5+02:00'), parseTimestamp('2019-04-10T19:08:52.5Z'));
  // An unencoded "+" in a query string arrives as a space.
  assert.equal(parseTimestamp('2019-04-10T21:08:52 02:00'), parseTimestamp('2019-04-10T19:08:52Z'));
  assert.equal(parseTimestamp('2019-04-10T19:08:52.000000001Z'), (parseTimestamp('2019-04-10T19:08:52Z') as bigint) + 1n);
  const zero = parseTimestamp('0001-01-01T00:00:00Z') as bigint;
  assert.ok(zero < 0n);
  assert.equal(zero, -62135596800n * 1_000_000_000n);
});

test('anything that is not an RFC 3339 time is refused', () => {
  for (const bad of ['', 'yesterday', '2019-04-10', '2019-04-10T19:08:52', '2019-02-30T00:00:00Z', '2019-04-10T24:00:00Z', '2019-04-10T19:08:52.1234567891Z']) {
    assert.equal(parseTimestamp(bad), undefined, bad);
  }
});

test('stamps before 1970 are written as RFC 3339 too, and read back to the same instant', () => {
  for (const text of ['1969-12-31T23:59:59.5Z', '0001-01-01T00:00:00.25Z', '1969-12-31T23:59:59.999999999Z']) {
    const ns = parseTimestamp(text) as bigint;
    assert.equal(formatTimestamp(ns), text);
    assert.equal(parseTimestamp(formatTimestamp(ns + 1n)), ns + 1n);
  }
  // Go's zero time plus one nanosecond: what a follower asks for after a page stamped with it.
  assert.equal(formatTimestamp((parseTimestamp('0001-01-01T00:00:00Z') as bigint) + 1n), '0001-01-01T00:00:00.000000001Z');
});
