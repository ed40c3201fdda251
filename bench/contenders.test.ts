// Tests of who runs: the --contenders list, the gomodproxy variants when `serve --workers` exists, and
// the notes that say what was left out.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { CONTENDER_IDS, lineup, parseContenders } from './contenders.js';

test('no --contenders means all of them, in table order; a list keeps that order and drops repeats', () => {
  assert.deepEqual(parseContenders(undefined), [...CONTENDER_IDS]);
  assert.deepEqual(parseContenders('fastify, GOMODPROXY,nginx,nginx'), ['nginx', 'gomodproxy', 'fastify']);
});

test('an unknown contender is refused with the list to choose from', () => {
  assert.throws(() => parseContenders('gomodproxy,verdaccio'), /unknown contender verdaccio; choose from nginx, goproxy, athens, gomodproxy, fastify/);
});

test('with --workers, gomodproxy runs with one and two workers, and the yardstick too; the default count is judged', () => {
  const l = lineup(['gomodproxy', 'fastify'], true, true);
  assert.deepEqual(
    l.contenders.map((c) => [c.name, c.workers]),
    [
      ['gomodproxy-w1', 1],
      ['gomodproxy-w2', 2],
      ['fastify', 1],
      ['fastify-w2', 2],
    ],
  );
  assert.equal(l.primary, `gomodproxy-w${Math.min(os.availableParallelism(), 2)}`);
  assert.deepEqual(l.notes, []);
});

test('without --workers, gomodproxy runs once with its defaults and the report says so', () => {
  const l = lineup(['nginx', 'gomodproxy', 'fastify'], false, true);
  assert.deepEqual(
    l.contenders.map((c) => c.name),
    ['nginx', 'gomodproxy', 'fastify'],
  );
  assert.equal(l.primary, 'gomodproxy');
  assert.match(l.notes.join('\n'), /offers no `--workers`/);
});

test('without ../shared/peers, goproxy and Athens are skipped and the notes name the missing directory', () => {
  const l = lineup(['goproxy', 'athens', 'gomodproxy'], false, false);
  assert.deepEqual(
    l.contenders.map((c) => c.name),
    ['gomodproxy'],
  );
  assert.match(l.notes.join('\n'), /goproxy skipped: .*start\.sh\) not found/);
  assert.match(l.notes.join('\n'), /athens skipped/);
});
