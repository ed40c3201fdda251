import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SUM_GOLANG_ORG_KEY, isSumdbName, parseGosumdb } from './gosumdb.js';

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

test('fields are split and trimmed at Go white space, U+0085 included and U+FEFF not', () => {
  // Found by the GOSUMDB fuzz property: "off\u0085" was read as a one-field key, not as off.
  assert.equal(parseGosumdb('\u0085off\u00a0'), 'off');
  const key = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
  assert.deepEqual(parseGosumdb(`${key}\u0085http://127.0.0.1:9/db`), { name: 'PeterNeumann', key, url: 'http://127.0.0.1:9/db' });
  assert.throws(() => parseGosumdb(`${key}\ufeffhttp://127.0.0.1:9/db`));
});

test('the key hash may be written in upper-case hex, as note.NewVerifier parses it', () => {
  // Found by the GOSUMDB fuzz property: the go command accepts sum.golang.org+033DE0AE+…, the config refused it.
  const upper = 'sum.golang.org+033DE0AE+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8';
  assert.deepEqual(parseGosumdb(upper), { name: 'sum.golang.org', key: upper, url: 'https://sum.golang.org' });
  assert.throws(() => parseGosumdb('sum.golang.org+033DE0AF+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8'), /key hash does not match/);
});

test('a database name with a . or .. element is refused: it names a folder under <data>/sumdb/', () => {
  assert.ok(isSumdbName('sum.golang.org'));
  assert.ok(isSumdbName('corp.example/sumdb/v1..2'));
  for (const bad of ['a/../../x', '../x', 'a/./b', 'a/..', '.', '..']) assert.equal(isSumdbName(bad), false, bad);
});
