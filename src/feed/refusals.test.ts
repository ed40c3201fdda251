// A run of refusals lasts until the parent has answered for everything it refused: a version stored meanwhile
// from a part it does not refuse ends nothing; other failures are not refusals.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { gmpError } from '../errors.js';
import { Metrics } from '../metrics.js';
import { errorFromStatus } from '../upstream/upstream-errors.js';
import { FEED_PAGES, Refusals, refusalStatus } from './refusals.js';
import { failureKind } from './store-version.js';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const metrics = new Metrics({ defaultMetrics: false });
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { lines, metrics, refusals: new Refusals('http://parent.example', log, metrics) };
}

const forbidden = () => errorFromStatus('http://parent.example', 403, 'forbidden', 'text/plain');
const gauge = async (m: Metrics) => /gomodproxy_follow_refused\{feed="http:\/\/parent\.example"\} (\d)/.exec(await m.registry.metrics())?.[1];

test('401 and 403, wrapped or not, are refusals; 404, 5xx and our own errors are not', () => {
  assert.equal(refusalStatus(forbidden()), 403);
  assert.equal(refusalStatus(gmpError('GMP_ERR_INTERNAL', 'wrapped', errorFromStatus('u', 401, ''))), 401);
  for (const other of [errorFromStatus('u', 404, ''), errorFromStatus('u', 502, ''), gmpError('GMP_ERR_POLICY_DENIED', 'denied'), new Error('x')])
    assert.equal(refusalStatus(other), undefined);
});

test("a 403 another gomodproxy names GMP_ERR_POLICY_DENIED is its policy's word on one version, not a refusal; its other 403s are", () => {
  const denied = errorFromStatus('u', 403, 'forbidden', 'text/plain', 'upstream', 'GMP_ERR_POLICY_DENIED');
  assert.equal(refusalStatus(denied), undefined);
  assert.equal(failureKind(gmpError('GMP_ERR_INTERNAL', 'wrapped', denied)), 'denied_upstream');
  for (const code of ['GMP_ERR_AUTH_SCOPE', 'GMP_ERR_FORBIDDEN', undefined]) {
    const refused = errorFromStatus('u', 403, 'forbidden', 'text/plain', 'upstream', code);
    assert.equal(refusalStatus(refused), 403, code);
    assert.equal(failureKind(refused), 'transient', code);
  }
  assert.equal(refusalStatus(errorFromStatus('u', 401, '', undefined, 'upstream', 'GMP_ERR_POLICY_DENIED')), 401, 'only a 403 says so');
});

test('one line at error per run, retries at debug; a store of another version ends nothing; the last answer ends it once', async () => {
  const { lines, metrics, refusals } = setup();
  assert.equal(refusals.told(forbidden(), 'a@v1.0.0', { retryInMs: 1000 }), true);
  assert.equal(refusals.told(forbidden(), 'b@v1.0.0', { retryInMs: 1000 }), true);
  assert.equal(refusals.told(forbidden(), 'a@v1.0.0', { retryInMs: 2000 }), true);
  assert.equal(refusals.told(errorFromStatus('u', 502, ''), 'a@v1.0.0', {}), false);
  assert.deepEqual(
    lines.map((l) => [l.level, l.retryInMs]),
    [
      [50, 1000],
      [20, 1000],
      [20, 2000],
    ],
  );
  assert.equal(await gauge(metrics), '1');
  refusals.answered('c@v1.0.0');
  refusals.answered('a@v1.0.0');
  assert.equal(lines.length, 3, 'b is still refused');
  refusals.dropped('b@v1.0.0');
  refusals.answered(FEED_PAGES);
  assert.deepEqual([lines[3]?.msg, lines[3]?.refusals], ['the parent answers this follower again', 3]);
  assert.equal(await gauge(metrics), '0');
  refusals.answered(FEED_PAGES);
  assert.equal(lines.length, 4);
});
