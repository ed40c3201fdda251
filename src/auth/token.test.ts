// Tokens and scopes: the token format, hashes instead of tokens, scope syntax, what each scope permits,
// and reading the token from the two ways the go command sends it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCoordinator } from '../coord/local.js';
import { presentedToken } from './credentials.js';
import { TokenInputError, TokenStore } from './token-store.js';
import { hashToken, matchesHash, newToken, parseScope, permits, tokenId } from './token.js';

test('a new token names its record id and only its hash matches it', () => {
  const { id, token } = newToken();
  assert.equal(tokenId(token), id);
  const hash = hashToken(token);
  assert.ok(!hash.includes(token.slice(21)), 'the hash does not contain the secret');
  assert.equal(matchesHash(token, hash), true);
  assert.equal(matchesHash(`${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`, hash), false);
  assert.equal(tokenId('not-a-token'), undefined);
});

test('read and publish scopes permit their action on matching paths; admin permits everything', () => {
  const scopes = [parseScope('read:corp.example.com,team.example.org/*'), parseScope('publish:corp.example.com/pub*')];
  assert.equal(permits(scopes, 'read', 'corp.example.com/x/y'), true);
  assert.equal(permits(scopes, 'read', 'team.example.org/a'), true);
  assert.equal(permits(scopes, 'read', 'other.example.com/a'), false);
  assert.equal(permits(scopes, 'publish', 'corp.example.com/pub'), true);
  assert.equal(permits(scopes, 'publish', 'corp.example.com/x'), false, 'read does not imply publish');
  assert.equal(permits(scopes, 'admin'), false);
  assert.equal(permits([parseScope('admin')], 'publish', 'any.example.com/m'), true);
});

test('scopes that are not read:GLOB, publish:GLOB or admin are refused with the syntax', () => {
  for (const bad of ['write:corp.example.com', 'read:', 'read:a b', 'admin:x']) assert.throws(() => parseScope(bad), /use read:GLOB/, bad);
});

test('a scope whose glob is malformed is refused instead of granting nothing', () => {
  for (const bad of ['read:corp.example.com/[team', 'publish:a.example,b.example/\\']) assert.throws(() => parseScope(bad), /is not a valid pattern/, bad);
  assert.equal(parseScope('read:corp.example.com/[a-z]*').glob, 'corp.example.com/[a-z]*');
});

test('the token comes from Basic (any login, the token as password) or Bearer; other headers are malformed', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  assert.equal(presentedToken(`Basic ${b64('me:gmp_x')}`), 'gmp_x');
  assert.equal(presentedToken(`basic ${b64(':gmp_x:y')}`), 'gmp_x:y', 'only the first colon separates the login');
  assert.equal(presentedToken('Bearer gmp_y'), 'gmp_y');
  assert.equal(presentedToken(undefined), undefined);
  assert.equal(presentedToken(`Basic ${b64('nocolon')}`), '');
  assert.equal(presentedToken('Digest abc'), '');
});

test("a lifetime past what a date can hold is refused as the asker's mistake, and no token is made", async () => {
  const store = new TokenStore(new LocalCoordinator());
  await assert.rejects(store.create({ name: 'far', scopes: ['admin'], expiresInMs: 100_000_000 * 86_400_000 }), TokenInputError);
  assert.deepEqual(await store.list(), []);
  assert.ok((await store.create({ name: 'far', scopes: ['admin'], expiresInMs: 1000 * 86_400_000 })).record.expires);
});
