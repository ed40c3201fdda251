import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { gmpError, localIoError } from '../errors.js';
import { Metrics } from '../metrics.js';
import { LocalFailures } from './local-failures.js';

function setup() {
  const lines: Array<Record<string, unknown>> = [];
  const log = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  const metrics = new Metrics({ defaultMetrics: false });
  let full = 0;
  const failures = new LocalFailures(log, metrics);
  failures.onFull(() => full++);
  return { lines, metrics, failures, full: () => full };
}

const errno = (code: string) => Object.assign(new Error(`${code}: write`), { code });

test('a run of full-disk failures is one line at error, without a stack, and one more when something is stored', () => {
  const { lines, failures, full } = setup();
  for (let i = 0; i < 20; i++) assert.equal(failures.failed(localIoError(errno('ENOSPC'), `storing k${i}`), { module: 'example.com/m' }), true);
  assert.equal(lines.length, 1);
  assert.equal(lines[0]?.level, 50);
  assert.equal(lines[0]?.code, 'GMP_ERR_STORAGE_FULL');
  assert.equal(lines[0]?.reason, 'ENOSPC');
  assert.equal(lines[0]?.module, 'example.com/m');
  assert.equal(typeof lines[0]?.err, 'string', 'the message, not the error with its stack');
  assert.equal(full(), 1, 'eviction is woken once per run');
  failures.succeeded();
  failures.succeeded();
  assert.equal(lines.length, 2);
  assert.deepEqual([lines[1]?.msg, lines[1]?.failures, lines[1]?.level], ['local storage works again', 20, 30]);
  // A new run is told again.
  failures.failed(localIoError(errno('ENOSPC'), 'storing k'));
  assert.equal(lines.length, 3);
  assert.equal(full(), 2);
});

test('a run of disk-quota failures (EDQUOT) is told and counted like a full disk, with its own reason, and wakes eviction', async () => {
  const { lines, metrics, failures, full } = setup();
  for (let i = 0; i < 5; i++) assert.equal(failures.failed(localIoError(errno('EDQUOT'), `storing k${i}`)), true);
  assert.deepEqual(
    lines.map((l) => [l.level, l.code, l.reason]),
    [[50, 'GMP_ERR_STORAGE_FULL', 'EDQUOT']],
  );
  assert.match(String(lines[0]?.err), /disk quota is used up \(EDQUOT\)/);
  assert.equal(full(), 1, 'eviction is woken once per run');
  assert.match(await metrics.registry.metrics(), /gomodproxy_local_failures_total\{code="GMP_ERR_STORAGE_FULL",reason="EDQUOT"\} 5/);
  failures.succeeded();
  assert.deepEqual([lines[1]?.msg, lines[1]?.failures], ['local storage works again', 5]);
});

test('a failure of another kind starts a run of its own; one error met in several places counts once', async () => {
  const { lines, metrics, failures, full } = setup();
  const e = localIoError(errno('ENOSPC'), 'storing k');
  failures.failed(e, { module: 'example.com/m' });
  failures.failed(e, { url: '/example.com/m/@v/v1.0.0.zip' });
  failures.failed(localIoError(errno('EMFILE'), 'reading the cache'));
  assert.deepEqual(
    lines.map((l) => [l.code, l.reason]),
    [
      ['GMP_ERR_STORAGE_FULL', 'ENOSPC'],
      ['GMP_ERR_LOCAL_RESOURCES', 'EMFILE'],
    ],
  );
  assert.equal(full(), 1);
  const text = await metrics.registry.metrics();
  assert.match(text, /gomodproxy_local_failures_total\{code="GMP_ERR_STORAGE_FULL",reason="ENOSPC"\} 1/);
  assert.match(text, /gomodproxy_local_failures_total\{code="GMP_ERR_LOCAL_RESOURCES",reason="EMFILE"\} 1/);
});

test("failures that are not the proxy's own storage are left to the caller", () => {
  const { lines, failures } = setup();
  assert.equal(failures.failed(gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', 'no upstream answered')), false);
  assert.equal(failures.failed(new Error('boom')), false);
  assert.equal(failures.failed(localIoError(errno('EIO'), 'storing k')), false, 'an I/O error is no known condition: logged with its stack');
  assert.deepEqual(lines, []);
});

test('the disk is full (for /readyz) from the first full-disk failure, through failures of other kinds, until something is stored', () => {
  const { failures } = setup();
  failures.failed(localIoError(errno('EMFILE'), 'opening k'));
  assert.equal(failures.diskFull(), undefined, 'no file descriptor is no full disk');
  failures.failed(localIoError(errno('EDQUOT'), 'storing k'));
  const full = failures.diskFull();
  assert.equal(full?.reason, 'EDQUOT');
  failures.failed(localIoError(errno('EMFILE'), 'opening k'));
  failures.failed(localIoError(errno('EDQUOT'), 'storing k'));
  assert.equal(failures.diskFull(), full, 'the same run, since its first failure');
  failures.succeeded();
  assert.equal(failures.diskFull(), undefined);
});
