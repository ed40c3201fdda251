// Rewrite rules and per-host credentials: longest-prefix rewrites, and credentials bound to exactly one host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Credentials, parseAuthEntry, parseNetrc, parseRewriteRules, rewriteUrl } from './remote-auth.js';

test('the longest matching rewrite rule wins, as with git insteadOf', () => {
  const rules = parseRewriteRules(['https://github.com/=https://mirror/gh/', 'https://github.com/corp/=ssh://git@corp/']);
  assert.equal(rewriteUrl('https://github.com/corp/x', rules), 'ssh://git@corp/x');
  assert.equal(rewriteUrl('https://github.com/a/b', rules), 'https://mirror/gh/a/b');
  assert.equal(rewriteUrl('https://gitlab.com/a/b', rules), undefined);
  assert.throws(() => parseRewriteRules(['nothing']));
});

test('credentials apply to their own host only, go to git as URL-scoped config with redirects off', () => {
  const c = new Credentials(['git.corp.example=bearer:s3cret', 'other.example=header:PRIVATE-TOKEN:abc']);
  assert.deepEqual(c.forUrl('https://git.corp.example/x'), { header: 'Authorization', value: 'Bearer s3cret' });
  assert.equal(c.forUrl('https://evil.example/git.corp.example'), undefined);
  assert.deepEqual(c.gitConfig('https://other.example/r.git'), [
    ['http.https://other.example/.extraHeader', 'PRIVATE-TOKEN: abc'],
    ['http.https://other.example/.followRedirects', 'false'],
  ]);
  assert.deepEqual(c.gitConfig('https://public.example/r'), []);
});

test('malformed credential entries are refused without echoing the secret', () => {
  assert.throws(
    () => parseAuthEntry('host=token:topsecret'),
    (e: Error) => !e.message.includes('topsecret'),
  );
  assert.equal(parseAuthEntry('h.example=basic:u:p:w')[1].value, `Basic ${Buffer.from('u:p:w').toString('base64')}`);
});

test('netrc machines become basic credentials; default entries are ignored', () => {
  const m = parseNetrc('machine a.example login u password p\ndefault login x password y\n');
  assert.deepEqual([...m.keys()], ['a.example']);
  assert.equal(m.get('a.example')?.value, `Basic ${Buffer.from('u:p').toString('base64')}`);
});
