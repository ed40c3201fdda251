// Who may call the refresh hook: HMAC signatures as GitHub sends them, tokens as GitLab sends them.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { verifySender } from './signature.js';

const secret = 's3cret';
const body = Buffer.from('{"module":"example.com/m"}');
const sig = (s: string, b: Buffer) => `sha256=${createHmac('sha256', s).update(b).digest('hex')}`;

test('a body signed with the shared secret is accepted', () => {
  assert.equal(verifySender(secret, { 'x-hub-signature-256': sig(secret, body) }, body), 'ok');
});

test('a signature made with another secret or over another body is refused', () => {
  assert.equal(verifySender(secret, { 'x-hub-signature-256': sig('other', body) }, body), 'bad');
  assert.equal(verifySender(secret, { 'x-hub-signature-256': sig(secret, Buffer.from('{}')) }, body), 'bad');
  assert.equal(verifySender(secret, { 'x-hub-signature-256': 'sha256=zz' }, body), 'bad');
});

test('the secret as a GitLab token or a bearer token is accepted, anything else is refused', () => {
  assert.equal(verifySender(secret, { 'x-gitlab-token': secret }, body), 'ok');
  assert.equal(verifySender(secret, { authorization: `Bearer ${secret}` }, body), 'ok');
  assert.equal(verifySender(secret, { 'x-gitlab-token': 'nope' }, body), 'bad');
  assert.equal(verifySender(secret, { authorization: 'Bearer s3cre' }, body), 'bad');
});

test('a request with neither signature nor token is reported as missing its credentials', () => {
  assert.equal(verifySender(secret, {}, body), 'missing');
  assert.equal(verifySender(secret, { authorization: 'Basic abc' }, body), 'missing');
});
