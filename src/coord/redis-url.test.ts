// Coordinator URLs for Redis: what is read from them, and that neither the name nor an error repeats a password.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isGmpError } from '../errors.js';
import { parseRedisUrl } from './redis-url.js';

test('a bare host gets the default port and database 0', () => {
  assert.deepEqual(parseRedisUrl('redis://cache.internal'), { name: 'redis://cache.internal:6379/0', host: 'cache.internal', port: 6379, db: 0 });
});

test('user, percent-encoded password, port and database are read; the name keeps none of the credentials', () => {
  const t = parseRedisUrl('redis://default:p%40ss%3Aw0rd@127.0.0.1:26379/3');
  assert.deepEqual(t, { name: 'redis://127.0.0.1:26379/3', host: '127.0.0.1', port: 26379, db: 3, username: 'default', password: 'p@ss:w0rd' });
});

test('a password without a user is kept (AUTH with the default user)', () => {
  const t = parseRedisUrl('redis://:secret@h:1/0');
  assert.equal(t.username, undefined);
  assert.equal(t.password, 'secret');
  assert.equal(t.name, 'redis://h:1/0');
});

test('rediss:// turns TLS on, verifying the host name unless it is an IP address', () => {
  assert.deepEqual(parseRedisUrl('rediss://redis.example.com:6380').tls, { servername: 'redis.example.com' });
  assert.deepEqual(parseRedisUrl('rediss://10.0.0.5').tls, {});
  assert.equal(parseRedisUrl('rediss://redis.example.com:6380').name, 'rediss://redis.example.com:6380/0');
  assert.equal(parseRedisUrl('redis://h').tls, undefined);
});

test('an IPv6 host is given to the client without brackets and named with them', () => {
  const t = parseRedisUrl('redis://[::1]:6379/2');
  assert.equal(t.host, '::1');
  assert.equal(t.name, 'redis://[::1]:6379/2');
});

test('bad URLs are configuration errors whose messages never repeat the password', () => {
  const cases = [
    'http://u:hunter22@h/0',
    'redis://u:hunter22@h/zero',
    'redis://u:hunter22@h/0?tls=true',
    'redis://u:hunter22@h/0#x',
    'redis://u:hunter22@:99999',
    'redis://u:%E0%A4%A@h/0',
    'redis://u:hunter22@/0',
    'u:hunter22@h',
  ];
  for (const url of cases) {
    assert.throws(
      () => parseRedisUrl(url),
      (err: unknown) => isGmpError(err, 'GMP_ERR_CONFIG') && !err.message.includes('hunter22') && !err.message.includes('%E0'),
      url,
    );
  }
});
