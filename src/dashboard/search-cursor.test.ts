// Module search cursors: sealed so that the store key inside never shows, opened only when this proxy's key
// sealed them for the same prefix; anything else is a 400 that says so.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { isGmpError } from '../errors.js';
import { openCursor, sealCursor } from './search-cursor.js';

const key = randomBytes(32);
const pos = { prefix: 'corp.example/', after: 'corp.example/secret-payroll/@~' };
const refusedAs400 = (err: unknown) => isGmpError(err, 'GMP_ERR_REQUEST_INVALID') && /bad request: the cursor/.test(err.message);

test('a sealed cursor opens to its position and never shows it', () => {
  const text = sealCursor(key, pos);
  assert.deepEqual(openCursor(key, text, pos.prefix), pos);
  assert.doesNotMatch(text, /secret|payroll|corp/);
  assert.doesNotMatch(Buffer.from(text, 'base64url').toString('latin1'), /secret|payroll|corp/);
  assert.notEqual(sealCursor(key, pos), text, 'each seal has its own nonce');
});

test('cursors of names of different lengths have one length, up to a block', () => {
  const a = sealCursor(key, { prefix: '', after: 'a.example/x/@~' });
  const b = sealCursor(key, { prefix: '', after: 'a.example/a-much-longer-private-name/@~' });
  assert.equal(a.length, b.length);
});

test('an altered, cut, forged or foreign cursor is a 400, never a listing', () => {
  const text = sealCursor(key, pos);
  const raw = Buffer.from(text, 'base64url');
  for (let i = 0; i < raw.length; i += 7) {
    const bad = Buffer.from(raw);
    bad[i] = (bad[i] as number) ^ 1;
    assert.throws(() => openCursor(key, bad.toString('base64url'), pos.prefix), refusedAs400, `byte ${i} flipped`);
  }
  assert.throws(() => openCursor(key, text.slice(0, -4), pos.prefix), refusedAs400);
  assert.throws(() => openCursor(randomBytes(32), text, pos.prefix), refusedAs400);
  for (const forged of ['corp.example/secret-payroll/@~', '', 'AAAA', 'x'.repeat(5000), Buffer.from(JSON.stringify({ p: '', a: 'z' })).toString('base64url')])
    assert.throws(() => openCursor(key, forged, pos.prefix), refusedAs400, forged.slice(0, 40));
});

test('a cursor given with another prefix is refused, as it would list outside that prefix', () => {
  assert.throws(
    () => openCursor(key, sealCursor(key, pos), 'golang.org/'),
    (err: unknown) => isGmpError(err, 'GMP_ERR_REQUEST_INVALID') && /another prefix/.test(err.message),
  );
});
