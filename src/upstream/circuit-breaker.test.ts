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
