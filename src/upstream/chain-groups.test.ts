// The order inside `|` groups: the healthiest, fastest member first, the user's order for `,`, and the go
// command's rule for what follows a group whose members all failed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { gmpError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { Chain } from './chain.js';
import type { ChainEntry } from './chain.js';
import type { RawSource, SourceHealth } from './source.js';

/** A source with a settable rank whose list() answers or fails with an error code; records calls. */
function src(name: string, outcome: 'ok' | ErrorCode, calls: string[], rank = { r: 0 }, watched?: string[]): RawSource {
  const fail = async (): Promise<never> => {
    throw new Error('unused');
  };
  const health: SourceHealth = { rank: () => rank.r, watch: () => watched?.push(name), describe: () => `${name} rank ${rank.r}` };
  return {
    name,
    health,
    list: async () => {
      calls.push(name);
      if (outcome === 'ok') return Buffer.from(name);
      throw gmpError(outcome, `${name}: ${outcome}`);
    },
    info: fail,
    latest: fail,
    mod: fail,
    zip: fail,
  };
}

const entry = (s: RawSource, fallBackOnError = false): ChainEntry => ({ kind: 'source', source: s, fallBackOnError });
const list = (c: Chain) => c.first((s) => s.list('example.com/m')).then((b) => b.toString());

test('within a "|" group the best-ranked member is asked first; with equal ranks the written order holds', async () => {
  const calls: string[] = [];
  const slow = { r: 8 };
  const fast = { r: 1 };
  const chain = new Chain([entry(src('a', 'ok', calls, slow), true), entry(src('b', 'ok', calls, fast))]);
  assert.equal(await list(chain), 'b');
  fast.r = 8;
  assert.equal(await list(chain), 'a');
  assert.deepEqual(calls, ['b', 'a']);
});

test('members of "," lists keep the written order whatever their ranks', async () => {
  const calls: string[] = [];
  const chain = new Chain([entry(src('a', 'GMP_ERR_NOT_FOUND', calls, { r: 9 })), entry(src('b', 'ok', calls, { r: 0 }))]);
  assert.equal(await list(chain), 'b');
  assert.deepEqual(calls, ['a', 'b']);
});

test('only members of "|" groups are watched for their latency', () => {
  const watched: string[] = [];
  new Chain([entry(src('a', 'ok', [], { r: 0 }, watched), true), entry(src('b', 'ok', [], { r: 0 }, watched)), entry(src('c', 'ok', [], { r: 0 }, watched))]);
  assert.deepEqual(watched, ['a', 'b']);
});

test('when every member of a group fails, the last member as written decides whether "," goes on', async () => {
  // a|b,c: the go command asks a, then b; b's not-found goes on to c, b's 500 stops.
  const calls: string[] = [];
  const goesOn = new Chain([
    entry(src('a', 'GMP_ERR_UPSTREAM_STATUS', calls, { r: 5 }), true),
    entry(src('b', 'GMP_ERR_NOT_FOUND', calls, { r: 1 })),
    entry(src('c', 'ok', calls)),
  ]);
  assert.equal(await list(goesOn), 'c');
  assert.deepEqual(calls, ['b', 'a', 'c'], 'b first (faster), then a, then past the group');
  const calls2: string[] = [];
  const stops = new Chain([
    entry(src('a', 'GMP_ERR_NOT_FOUND', calls2, { r: 5 }), true),
    entry(src('b', 'GMP_ERR_UPSTREAM_STATUS', calls2, { r: 1 })),
    entry(src('c', 'ok', calls2)),
  ]);
  await assert.rejects(list(stops), /b: GMP_ERR_UPSTREAM_STATUS/);
  assert.deepEqual(calls2, ['b', 'a']);
});

test('a passed fill deadline ends the chain: no time is left for the next member', async () => {
  const calls: string[] = [];
  const chain = new Chain([entry(src('a', 'GMP_ERR_FILL_DEADLINE', calls), true), entry(src('b', 'ok', calls))]);
  await assert.rejects(list(chain), (e: { code?: string }) => e.code === 'GMP_ERR_FILL_DEADLINE');
  assert.deepEqual(calls, ['a']);
});

test('a change of the first member is reported, with the reason', async () => {
  const seen: string[] = [];
  const fast = { r: 9 };
  const chain = new Chain([entry(src('a', 'ok', [], { r: 5 }), true), entry(src('b', 'ok', [], fast))], {
    onPreferred: (group, first, why) => seen.push(`${group} ${first}: ${why}`),
  });
  await list(chain);
  fast.r = 1;
  await list(chain);
  await list(chain);
  assert.deepEqual(seen, ['a|b b: b rank 1, a rank 5']);
});
