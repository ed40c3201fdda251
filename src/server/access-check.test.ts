// AccessCheck decides from method, URL, Authorization header and address alone: the cases the go command
// meets (no token, .netrc Basic, GOAUTH Bearer, wrong scope, guessing) with real token records.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { FailureLimiter } from '../auth/failure-limiter.js';
import { TokenStore } from '../auth/token-store.js';
import { TokenVerifier } from '../auth/verifier.js';
import { LocalCoordinator } from '../coord/local.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { Access } from './access.js';
import { AccessCheck } from './access-check.js';
import type { AccessDecision, AuthMode } from './access-check.js';

const store = new TokenStore(new LocalCoordinator());
let reader = '';
let publisher = '';

before(async () => {
  reader = (await store.create({ name: 'reader', scopes: ['read:corp.example.com'] })).token;
  publisher = (await store.create({ name: 'ci', scopes: ['publish:corp.example.com/pub*'] })).token;
});

function check(mode: AuthMode, limit = 10): AccessCheck {
  const access = new Access({ isPrivate: (m) => matchPrefixPatterns('corp.example.com', m) });
  return new AccessCheck({ mode, access, verifier: new TokenVerifier(store), limiter: new FailureLimiter(limit) });
}

const basic = (token: string) => `Basic ${Buffer.from(`anyone:${token}`).toString('base64')}`;
const get = (url: string, authorization?: string) => ({ method: 'GET', url, ip: '192.0.2.1', ...(authorization === undefined ? {} : { authorization }) });

function refused(d: AccessDecision): Extract<AccessDecision, { allow: false }> {
  assert.equal(d.allow, false, 'refused');
  return d as Extract<AccessDecision, { allow: false }>;
}

describe('AccessCheck under --auth private', () => {
  test('a public read is allowed synchronously, without a token', () => {
    const d = check('private').decide(get('/example.com/lib/@v/v1.0.0.zip'));
    assert.ok(!(d instanceof Promise), 'no promise for a public read');
    assert.equal(d.allow, true);
  });

  test('a private read without credentials gets 401 with the Basic challenge, synchronously', () => {
    const d = check('private').decide(get('/corp.example.com/secret/@v/list'));
    assert.ok(!(d instanceof Promise));
    const r = refused(d);
    assert.equal(r.error.status, 401);
    assert.equal(r.headers['www-authenticate'], 'Basic realm="gomodproxy"');
    assert.match(r.error.message, /reading corp\.example\.com\/secret needs a token/);
    assert.equal(r.failedAuth, false);
  });

  test('the token as the .netrc password (Basic) or as a Bearer token (GOAUTH) is accepted', async () => {
    for (const header of [basic(reader), `Bearer ${reader}`]) {
      const d = await check('private').decide(get('/corp.example.com/secret/@v/v1.0.0.info', header));
      assert.equal(d.allow, true, header.split(' ')[0]);
      assert.equal(d.principal?.name, 'reader');
    }
  });

  test('a valid token without a matching read scope gets 403 naming the token, not 404', async () => {
    const r = refused(await check('private').decide(get('/corp.example.com/secret/@v/list', basic(publisher))));
    assert.equal(r.error.status, 403);
    assert.match(r.error.message, /token "ci" has no read scope for corp\.example\.com\/secret/);
  });

  test('an unknown token is a failed authentication; after the limit the address gets 429 with Retry-After', async () => {
    const c = check('private', 2);
    const bad = basic(`gmp_0123456789abcdef_${'x'.repeat(43)}`);
    for (let i = 0; i < 2; i++) {
      const r = refused(await c.decide(get('/corp.example.com/secret/@v/list', bad)));
      assert.equal(r.error.status, 401);
      assert.equal(r.failedAuth, true);
    }
    for (const token of [bad, basic(reader)]) {
      const r = refused(await c.decide(get('/corp.example.com/secret/@v/list', token)));
      assert.equal(r.error.status, 429);
      assert.ok(Number(r.headers['retry-after']) > 0);
    }
    assert.equal(
      (await c.decide({ ...get('/corp.example.com/secret/@v/list', basic(reader)), ip: '192.0.2.2' })).allow,
      true,
      'other addresses are not affected',
    );
  });

  test('guessing from an address does not lock out the tokens already in use there (a shared NAT or reverse proxy)', async () => {
    const c = check('private', 2);
    assert.equal((await c.decide(get('/corp.example.com/secret/@v/list', basic(reader)))).allow, true);
    const bad = basic(`gmp_0123456789abcdef_${'x'.repeat(43)}`);
    for (let i = 0; i < 3; i++) refused(await c.decide(get('/corp.example.com/secret/@v/list', bad)));
    assert.equal(refused(await c.decide(get('/corp.example.com/secret/@v/list', bad))).error.status, 429, 'the guesser is refused');
    assert.equal((await c.decide(get('/corp.example.com/secret/@v/list', basic(reader)))).allow, true, 'a token valid here before still works');
    // Right id, wrong secret: verified and refused, and the real token still works (a guesser cannot evict it).
    const forged = basic(`${reader.slice(0, 'gmp_0123456789abcdef_'.length)}${'y'.repeat(43)}`);
    assert.equal(refused(await c.decide(get('/corp.example.com/secret/@v/list', forged))).error.status, 401);
    assert.equal((await c.decide(get('/corp.example.com/secret/@v/list', basic(reader)))).allow, true);
    assert.equal(refused(await c.decide(get('/corp.example.com/secret/@v/list', basic(publisher)))).error.status, 429, 'a token new here waits');
  });

  test('an upload needs a publish scope for that module', async () => {
    const put = (url: string, token: string) => ({ method: 'PUT', url, ip: '192.0.2.1', authorization: basic(token) });
    assert.equal((await check('private').decide(put('/corp.example.com/pub/@v/v1.0.0.zip', publisher))).allow, true);
    const r = refused(await check('private').decide(put('/corp.example.com/other/@v/v1.0.0.zip', publisher)));
    assert.match(r.error.message, /no publish scope for corp\.example\.com\/other/);
    assert.equal(refused(await check('private').decide(put('/corp.example.com/pub/@v/v1.0.0.zip', reader))).error.status, 403);
    // A wrong version on a module the token may publish: allowed through, so the route's 400 says what is wrong.
    assert.equal((await check('private').decide(put('/corp.example.com/pub/@v/v2.0.0.zip', publisher))).allow, true);
    assert.equal((await check('private').decide(put('/corp.example.com/pub/@v/v1.0.zip', publisher))).allow, true);
    assert.equal(refused(await check('private').decide(put('/corp.example.com/other/@v/v2.0.0.zip', publisher))).error.status, 403);
    assert.equal(refused(await check('private').decide(put('/corp.example.com/pub/@v/v2.0.0.zip', reader))).error.status, 403);
    assert.match(refused(await check('private').decide(put('/corp.example.com/pub/nothing', publisher))).error.message, /no admin scope/);
  });
});

describe('AccessCheck for checksum-database paths under --auth private', () => {
  test('a lookup of a private module needs a read token; of a public one, nothing', async () => {
    const c = check('private');
    assert.equal(refused(c.decide(get('/sumdb/sum.golang.org/lookup/corp.example.com/secret@v1.0.0')) as AccessDecision).error.status, 401);
    assert.equal((c.decide(get('/sumdb/sum.golang.org/lookup/example.com/lib@v1.0.0')) as AccessDecision).allow, true);
    assert.equal((await c.decide(get('/sumdb/sum.golang.org/lookup/corp.example.com/secret@v1.0.0', basic(reader)))).allow, true);
  });

  test("the own database's data tiles, which name private modules, need an admin token", async () => {
    const access = new Access({
      isPrivate: (m) => matchPrefixPatterns('corp.example.com', m),
      ownSumdb: { name: 'sum.gomodproxy.local', base: '/sumdb/sum.gomodproxy.local' },
    });
    const c = new AccessCheck({ mode: 'private', access, verifier: new TokenVerifier(store), limiter: new FailureLimiter(10) });
    const r = refused(await c.decide(get('/sumdb/sum.gomodproxy.local/tile/8/data/000', basic(reader))));
    assert.equal(r.error.status, 403);
    assert.match(r.error.message, /no admin scope/);
    assert.equal((c.decide(get('/sumdb/sum.gomodproxy.local/tile/8/0/000')) as AccessDecision).allow, true, 'hash tiles name nothing');
  });
});

describe('AccessCheck for percent-encoded checksum-database paths', () => {
  // The route decodes each segment before it dispatches (`%6cookup` is `lookup`): the check must see the same path.
  test('an encoded lookup of a private module still needs a read token, in the relay and the own database', () => {
    const access = new Access({
      isPrivate: (m) => matchPrefixPatterns('corp.example.com', m),
      ownSumdb: { name: 'sum.gomodproxy.local', base: '/sumdb-own' },
    });
    const c = new AccessCheck({ mode: 'private', access, verifier: new TokenVerifier(store), limiter: new FailureLimiter(10) });
    for (const url of [
      '/sumdb/sum.golang.org/%6cookup/corp.example.com/secret@v1.0.0',
      '/sumdb/sum.gomodproxy.local/%6C%6Fokup/corp.example.com/secret@v1.0.0',
      '/sumdb/sum.gomodproxy.local/lookup/corp.example.com/secret%40v1.0.0',
      '/sumdb/sum%2Egomodproxy.local/lookup/corp.example.com/secret@v1.0.0',
      '/sumdb-own/%6cookup/corp.example.com/secret@v1.0.0',
    ]) {
      const d = c.decide(get(url));
      assert.ok(!(d instanceof Promise));
      assert.equal(refused(d).error.status, 401, url);
    }
  });

  test('an encoded data tile of the own database still needs an admin token', async () => {
    const access = new Access({
      isPrivate: (m) => matchPrefixPatterns('corp.example.com', m),
      ownSumdb: { name: 'sum.gomodproxy.local', base: '/sumdb-own' },
    });
    const c = new AccessCheck({ mode: 'private', access, verifier: new TokenVerifier(store), limiter: new FailureLimiter(10) });
    for (const url of ['/sumdb/sum.gomodproxy.local/%74ile/8/data/000', '/sumdb/sum.gomodproxy.local/tile/8/%64ata/000', '/sumdb-own/%74ile/8/data/000.p/1']) {
      assert.equal(refused(await c.decide(get(url, basic(reader)))).error.status, 403, url);
    }
  });
});

describe('AccessCheck under --auth off and all', () => {
  test('off: reads need nothing, even of private modules; uploads still need a token', () => {
    assert.equal((check('off').decide(get('/corp.example.com/secret/@v/list')) as AccessDecision).allow, true);
    const d = check('off').decide({ method: 'PUT', url: '/corp.example.com/pub/@v/v1.0.0.zip', ip: '192.0.2.1' });
    assert.equal(refused(d as AccessDecision).error.status, 401);
  });

  test('all: public reads need a token too, health checks never', () => {
    assert.equal(refused(check('all').decide(get('/example.com/lib/@v/list')) as AccessDecision).error.status, 401);
    assert.equal((check('all').decide(get('/healthz')) as AccessDecision).allow, true);
  });
});
