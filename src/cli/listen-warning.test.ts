// The start-up warning for a proxy reachable from other machines: given for any address but loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import { exposureWarning, isLoopbackHost, warnIfExposed } from './listen-warning.js';

test('loopback hosts are 127.0.0.0/8, ::1 and localhost; everything else is reachable from outside', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) assert.ok(isLoopbackHost(h), h);
  for (const h of ['0.0.0.0', '::', '', '10.0.0.5', '192.168.1.2', 'gmp.corp.example', '128.0.0.1']) assert.ok(!isLoopbackHost(h), h);
});

test('listening on all interfaces or a public address gives a warning that says how to stay local', () => {
  assert.equal(exposureWarning('127.0.0.1'), undefined);
  assert.match(exposureWarning('0.0.0.0') ?? '', /all interfaces.*127\.0\.0\.1/);
  assert.match(exposureWarning('10.0.0.5') ?? '', /other machines/);
});

test('the warning is logged at warn level, and nothing is logged for loopback', () => {
  const lines: string[] = [];
  const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
  const log = pino({ level: 'info' }, sink);
  warnIfExposed(log, '127.0.0.1');
  assert.deepEqual(lines, []);
  warnIfExposed(log, '0.0.0.0');
  assert.equal(lines.length, 1);
  const entry = JSON.parse(lines.join(''));
  assert.equal(entry.level, 40);
  assert.equal(entry.host, '0.0.0.0');
  assert.match(entry.msg, /all interfaces/);
});
