import assert from 'node:assert/strict';
import { test } from 'node:test';
import pino from 'pino';
import { privateLogOptions } from './private-logs.js';

test('with --private, log lines carry no private module path: messages, fields, errors and their stacks', () => {
  const lines: string[] = [];
  const log = pino({ ...privateLogOptions({ private: 'corp.example' }) }, { write: (l: string) => void lines.push(l) });
  const err = Object.assign(new Error("ENOSPC: no space left on device, mkdir '/data/cache/corp.example/secret/@v'"), { code: 'ENOSPC' });
  log.error({ err, module: 'corp.example/secret', nested: { key: 'corp.example/secret/@v/v1.0.0.zip' } }, 'could not store corp.example/secret@v1.0.0');
  log.child({ worker: 1 }).warn('filling example.com/public and corp.example/other/@v/list');
  const text = lines.join('');
  assert.doesNotMatch(text, /corp\.example/);
  const [first, second] = lines.map((l) => JSON.parse(l) as { msg: string; err?: { code?: string; stack?: string } });
  assert.equal(first?.msg, 'could not store <private>');
  assert.equal(first?.err?.code, 'ENOSPC');
  assert.match(String(first?.err?.stack), /^Error: ENOSPC: no space left on device, mkdir '<private>'\n\s+at /);
  assert.equal(second?.msg, 'filling example.com/public and <private>');
});

test('without --private the logger is left alone, and logs', () => {
  assert.deepEqual(privateLogOptions({ private: '' }), {});
  const lines: string[] = [];
  pino({ level: 'info', ...privateLogOptions({ private: '' }) }, { write: (l: string) => void lines.push(l) }).info('corp.example/x');
  assert.match(lines[0] ?? '', /"msg":"corp\.example\/x"/);
});
