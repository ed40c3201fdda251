// Local storage failures across workers: the primary logs one line per run for the whole server, ended by a
// store of a worker that met the run; a worker that never failed sends nothing.
import assert from 'node:assert/strict';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'node:test';
import pino from 'pino';
import { channelPair } from '../coord/channel-pair.js';
import { gmpError } from '../errors.js';
import { LocalFailures } from '../storage/local-failures.js';
import { FailuresHub, WorkerFailureLog } from './cluster-failures.js';

const full = () => gmpError('GMP_ERR_STORAGE_FULL', 'the disk is full', Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));

function server(n: number) {
  const lines: Array<Record<string, unknown>> = [];
  const hub = new FailuresHub(pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) }));
  const sent: unknown[] = [];
  const workers = Array.from({ length: n }, (_, i) => {
    const [primarySide, workerSide] = channelPair();
    const detach = hub.add(`w${i + 1}`, primarySide);
    const send = workerSide.send.bind(workerSide);
    workerSide.send = (m, cb) => (sent.push(m), send(m, cb));
    return { detach, failures: new LocalFailures(undefined, undefined, new WorkerFailureLog(workerSide)) };
  });
  // Messages arrive on the next turns of the event loop.
  const settle = async () => {
    for (let i = 0; i < 3; i++) await tick();
  };
  return { hub, lines, sent, workers, settle };
}

test('every worker failing makes one line; a store by a worker that met the run ends it, with every failure counted', async () => {
  const { lines, sent, workers, settle } = server(3);
  const [a, b, c] = workers as [(typeof workers)[0], (typeof workers)[0], (typeof workers)[0]];
  for (let i = 0; i < 3; i++) for (const w of [a, b]) w.failures.failed(full(), { module: 'example.com/m' });
  await settle();
  assert.deepEqual(
    lines.map((l) => [l.level, l.code, l.reason, l.worker]),
    [[50, 'GMP_ERR_STORAGE_FULL', 'ENOSPC', 'w1']],
  );
  // c never failed: its stores are not even sent.
  const before = sent.length;
  c.failures.succeeded();
  await settle();
  assert.equal(sent.length, before);
  assert.equal(lines.length, 1);
  b.failures.succeeded();
  b.failures.succeeded();
  a.failures.succeeded();
  await settle();
  assert.deepEqual(
    lines.slice(1).map((l) => [l.msg, l.failures]),
    [['local storage works again', 6]],
  );
  // A new run is told again.
  c.failures.failed(full());
  await settle();
  assert.equal(lines.length, 3);
  assert.equal(lines[2]?.worker, 'w3');
});

test('when every worker that met a run has exited, the next failure is a new run', async () => {
  const { lines, workers, settle } = server(2);
  const [a, b] = workers as [(typeof workers)[0], (typeof workers)[0]];
  a.failures.failed(full());
  await settle();
  a.detach();
  b.failures.failed(full());
  await settle();
  assert.deepEqual(
    lines.map((l) => [l.level, l.worker]),
    [
      [50, 'w1'],
      [50, 'w2'],
    ],
  );
});

test('a full disk one worker met is told to every worker (for /readyz), and its end too; a worker started during the run is told at once', async () => {
  const { hub, workers, settle } = server(3);
  const [a, b, c] = workers as [(typeof workers)[0], (typeof workers)[0], (typeof workers)[0]];
  a.failures.failed(full());
  assert.equal(a.failures.diskFull()?.reason, 'ENOSPC', 'the worker that met it knows at once');
  assert.equal(b.failures.diskFull(), undefined);
  await settle();
  for (const w of [a, b, c]) assert.equal(w.failures.diskFull()?.reason, 'ENOSPC');
  const [primarySide, workerSide] = channelPair();
  const late = new LocalFailures(undefined, undefined, new WorkerFailureLog(workerSide));
  hub.add('w4', primarySide);
  await settle();
  assert.equal(late.diskFull()?.reason, 'ENOSPC', 'a replacement worker');
  // A store by a worker that never met the run does not end it; one by a worker that did, does.
  c.failures.succeeded();
  await settle();
  assert.equal(b.failures.diskFull()?.reason, 'ENOSPC');
  a.failures.succeeded();
  await settle();
  for (const w of [a.failures, b.failures, c.failures, late]) assert.equal(w.diskFull(), undefined);
});
