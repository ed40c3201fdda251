// Tests for bounded body reads: exact limits, prefixes, and refusal past the limit.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { readAtMost, readPrefix } from './read-body.js';

const body = (...parts: string[]) => Readable.from(parts.map((p) => Buffer.from(p)));

test('a body of exactly the limit is read whole', async () => {
  assert.deepEqual(await readPrefix(body('abc', 'de'), 5), { data: Buffer.from('abcde'), more: false });
  assert.equal((await readAtMost(body('abc', 'de'), 5, () => new Error('too big'))).toString(), 'abcde');
});

test('past the limit, readPrefix keeps the first bytes and readAtMost refuses', async () => {
  assert.deepEqual(await readPrefix(body('abc', 'def'), 4), { data: Buffer.from('abcd'), more: true });
  await assert.rejects(
    readAtMost(body('abc', 'def'), 5, () => new Error('too big')),
    /too big/,
  );
});

test('reading stops at the limit: the rest of the stream is destroyed, not consumed', async () => {
  const s = body('ab', 'cd', 'ef');
  await readPrefix(s, 1);
  assert.equal(s.destroyed, true);
});
