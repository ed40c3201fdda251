import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from './circuit-breaker.js';

function breaker() {
  let t = 1000;
  const states: string[] = [];
  const b = new CircuitBreaker({ threshold: 3, cooldownMs: 500, now: () => t, onChange: (s) => states.push(s) });
  return { b, states, advance: (ms: number) => (t += ms) };
}

test('the circuit opens after threshold consecutive failures and rejects requests', () => {
  const { b, states } = breaker();
  b.failure();
  b.failure();
  assert.equal(b.allow(), true);
  b.failure();
  assert.equal(b.state, 'open');
  assert.equal(b.allow(), false);
  assert.deepEqual(states, ['open']);
});

test('a success resets the count of consecutive failures', () => {
  const { b } = breaker();
  b.failure();
  b.failure();
  b.success();
  b.failure();
  b.failure();
  assert.equal(b.state, 'closed');
});

test('after the cooldown exactly one probe passes; its success closes the circuit', () => {
  const { b, advance, states } = breaker();
  for (let i = 0; i < 3; i++) b.failure();
  advance(499);
  assert.equal(b.allow(), false);
  advance(1);
  assert.equal(b.allow(), true);
  assert.equal(b.allow(), false, 'a second concurrent probe is refused');
  b.success();
  assert.equal(b.state, 'closed');
  assert.deepEqual(states, ['open', 'half-open', 'closed']);
});

test('a failed probe re-opens the circuit for another cooldown', () => {
  const { b, advance } = breaker();
  for (let i = 0; i < 3; i++) b.failure();
  advance(500);
  assert.equal(b.allow(), true);
  b.failure();
  assert.equal(b.state, 'open');
  assert.equal(b.retryInMs(), 500);
});

test('failures of one module never open the circuit, however many there are', () => {
  const { b } = breaker();
  for (let i = 0; i < 50; i++) b.failure('module:/example.com/bad', '500');
  assert.equal(b.state, 'closed');
  assert.equal(b.allow(), true);
});

test('failures of as many different modules as the threshold open it; a success in between starts over', () => {
  const { b, states } = breaker();
  b.failure('module:/a');
  b.failure('module:/b');
  b.success();
  b.failure('module:/c');
  b.failure('module:/c');
  assert.equal(b.state, 'closed');
  b.failure('module:/d');
  b.failure('module:/e');
  assert.equal(b.state, 'open');
  assert.deepEqual(states, ['open']);
});

test('failures without a key (the host unreachable) count each', () => {
  const { b } = breaker();
  b.failure(undefined, 'connect ECONNREFUSED');
  b.failure(undefined, 'connect ECONNREFUSED');
  b.failure('module:/a');
  assert.equal(b.state, 'open');
});

test('the log learns what opened the circuit', () => {
  const whys: string[] = [];
  const b = new CircuitBreaker({ threshold: 2, cooldownMs: 500, onChange: (_s, why) => whys.push(why) });
  b.failure('module:/a', 'answered 500');
  b.failure(undefined, 'connect ECONNREFUSED');
  assert.match(whys[0] ?? '', /2 distinct failures.*ECONNREFUSED/);
});
