import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gmpError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { Chain } from './chain.js';
import type { ChainEntry } from './chain.js';
import type { RawSource } from './source.js';
import { parseProxyList, formatProxyList } from '../protocol/proxy-list.js';

/** A source whose list() answers with versions or fails with an error code; records calls. */
function src(name: string, outcome: string[] | ErrorCode, calls: string[]): RawSource {
  const fail = async (): Promise<never> => {
    throw new Error('unused');
  };
  return {
    name,
    list: async () => {
      calls.push(name);
      if (Array.isArray(outcome)) return Buffer.from(outcome.join('\n'));
      throw gmpError(outcome, `${name}: ${outcome}`);
    },
    info: fail,
    latest: fail,
    mod: fail,
    zip: fail,
  };
}

const entry = (s: RawSource, fallBackOnError = false): ChainEntry => ({ kind: 'source', source: s, fallBackOnError });

test('after "," only a not-found answer moves on to the next entry', async () => {
  const calls: string[] = [];
  const chain = new Chain([entry(src('a', 'GMP_ERR_NOT_FOUND', calls)), entry(src('b', ['v1.0.0'], calls))]);
  assert.deepEqual(await chain.first((s) => s.list('example.com/m')).then((b) => b.toString().split('\n')), ['v1.0.0']);
  const calls2: string[] = [];
  const stops = new Chain([entry(src('a', 'GMP_ERR_UPSTREAM_STATUS', calls2)), entry(src('b', ['v1.0.0'], calls2))]);
  await assert.rejects(
    stops.first((s) => s.list('example.com/m')).then((b) => b.toString().split('\n')),
    /a: GMP_ERR_UPSTREAM_STATUS/,
  );
  assert.deepEqual(calls2, ['a']);
});

test('after "|" any error moves on', async () => {
  const calls: string[] = [];
  const chain = new Chain([entry(src('a', 'GMP_ERR_UPSTREAM_TIMEOUT', calls), true), entry(src('b', ['v1.0.0'], calls))]);
  assert.deepEqual(await chain.first((s) => s.list('example.com/m')).then((b) => b.toString().split('\n')), ['v1.0.0']);
  assert.deepEqual(calls, ['a', 'b']);
});

test('the most helpful error is reported: a real proxy error beats a later not-found', async () => {
  const calls: string[] = [];
  const chain = new Chain([entry(src('a', 'GMP_ERR_UPSTREAM_UNREACHABLE', calls), true), entry(src('b', 'GMP_ERR_NOT_FOUND', calls))]);
  await assert.rejects(
    chain.first((s) => s.list('example.com/m')).then((b) => b.toString().split('\n')),
    (e: { code?: string }) => e.code === 'GMP_ERR_UPSTREAM_UNREACHABLE',
  );
});

test('direct without a direct source and off are not-found answers with their own messages', async () => {
  await assert.rejects(
    new Chain([{ kind: 'direct' }]).first((s) => s.list('example.com/m')),
    /direct mode is not enabled/,
  );
  await assert.rejects(
    new Chain([{ kind: 'off' }]).first((s) => s.list('example.com/m')),
    (e: { status?: number }) => e.status === 404,
  );
});

test('GOPROXY lists parse like the go command: separators, keywords, implicit https', () => {
  const list = parseProxyList(' proxy.example.com , https://b.example/x/ | direct, ignored');
  assert.deepEqual(list, [
    { kind: 'url', url: 'https://proxy.example.com', fallBackOnError: false },
    { kind: 'url', url: 'https://b.example/x', fallBackOnError: true },
    { kind: 'direct', fallBackOnError: false },
  ]);
  assert.equal(formatProxyList(list), 'https://proxy.example.com,https://b.example/x|direct');
  assert.deepEqual(parseProxyList('off,https://a.example'), [{ kind: 'off', fallBackOnError: false }]);
  assert.throws(() => parseProxyList(','), /contains no entries/);
  assert.throws(() => parseProxyList('goproxy'), /missing scheme/);
  assert.throws(() => parseProxyList('ftp://x.example'), /scheme must be/);
});

test('GOPROXY entries are trimmed of white space as strings.TrimSpace trims it, U+0085 included and U+FEFF not', () => {
  // Found by the GOPROXY fuzz property: "\u0085,direct" was refused as an invalid proxy URL; Go skips the empty entry.
  assert.deepEqual(parseProxyList('\u0085,direct'), [{ kind: 'direct', fallBackOnError: false }]);
  assert.deepEqual(parseProxyList('\u2028proxy.example.com\u0085|off'), [
    { kind: 'url', url: 'https://proxy.example.com', fallBackOnError: true },
    { kind: 'off', fallBackOnError: false },
  ]);
  assert.throws(() => parseProxyList('\ufeffdirect'), /invalid proxy URL/);
});
