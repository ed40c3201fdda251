import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUM_GOLANG_ORG_KEY, parseGosumdb } from './gosumdb.js';

test('known names expand to the published key and their URL', () => {
  assert.deepEqual(parseGosumdb('sum.golang.org'), { name: 'sum.golang.org', key: SUM_GOLANG_ORG_KEY, url: 'https://sum.golang.org' });
  assert.deepEqual(parseGosumdb('sum.golang.google.cn'), { name: 'sum.golang.org', key: SUM_GOLANG_ORG_KEY, url: 'https://sum.golang.google.cn' });
});

test('off disables verification', () => {
  assert.equal(parseGosumdb(' off '), 'off');
});

test('a full key with a URL is accepted when its key hash is right', () => {
  const spec = parseGosumdb('PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW http://127.0.0.1:9/db/');
  assert.deepEqual(spec, { name: 'PeterNeumann', key: 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW', url: 'http://127.0.0.1:9/db' });
});

test('a wrong key hash, a bad algorithm or a bad shape is rejected with a reason', () => {
  assert.throws(() => parseGosumdb('PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'), /key hash does not match/);
  assert.throws(() => parseGosumdb('x+00000000+AA=='), /Ed25519/);
  assert.throws(() => parseGosumdb('nonsense'), /name\+hash\+key/);
  assert.throws(() => parseGosumdb('a b c'), /optional URL/);
});
