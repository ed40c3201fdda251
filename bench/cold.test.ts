// Which downloads the cold suite times, from the lineup it is given.
import assert from 'node:assert/strict';
import os from 'node:os';
import { test } from 'node:test';
import { coldVariants, directFor, withCpu } from './cold.js';
import { lineup } from './contenders.js';

test('with --workers available, the cold suite also times gomodproxy as one process, on both graphs', (t) => {
  if (os.availableParallelism() < 2) return t.skip('one CPU: the default is one process already');
  const v = coldVariants(lineup(['gomodproxy'], true, false).contenders);
  const one = v.filter((x) => x.contender?.workers === 1);
  assert.deepEqual(
    one.map((x) => [x.name, x.runningAfter]),
    [
      ['gomodproxy-w1', undefined],
      ['gomodproxy-w1-running', 'gomodproxy-w1'],
    ],
  );
  // The default variant keeps the default worker count (no --workers flag).
  assert.equal(v.find((x) => x.name === 'gomodproxy')?.contender?.workers, undefined);
});

test('without --workers, gomodproxy is timed once per graph, with its defaults', () => {
  const v = coldVariants(lineup(['gomodproxy'], false, false).contenders);
  assert.deepEqual(
    v.filter((x) => x.contender?.id === 'gomodproxy').map((x) => x.name),
    ['gomodproxy', 'gomodproxy-sumdb', 'gomodproxy-running', 'gomodproxy-sumdb-running'],
  );
});

test('with a far upstream, the go command, gomodproxy (defaults) and goproxy run against it too, compared with the go command there', () => {
  const team = lineup(['nginx', 'gomodproxy', 'goproxy'], true, true).contenders;
  const v = coldVariants(team, 20);
  const far = v.filter((x) => x.far === true);
  assert.deepEqual(
    far.map((x) => [x.name, directFor(x)]),
    [
      ['direct-far', 'direct-far'],
      ['gomodproxy-far', 'direct-far'],
      ['goproxy-far', 'direct-far'],
      ['direct-far-running', 'direct-far-running'],
      ['gomodproxy-far-running', 'direct-far-running'],
      ['goproxy-far-running', 'direct-far-running'],
    ],
  );
  assert.equal(directFor(v.find((x) => x.name === 'gomodproxy-sumdb') as (typeof v)[number]), 'direct-sumdb');
  assert.equal(directFor(v.find((x) => x.name === 'gomodproxy-running') as (typeof v)[number]), 'direct-running');
  // --far-upstream 0, or no go command straight at the upstream to compare with: no far variants.
  assert.equal(coldVariants(team, 0).filter((x) => x.far === true).length, 0);
  assert.equal(coldVariants(lineup(['gomodproxy'], false, false).contenders, 20).filter((x) => x.far === true).length, 0);
});

test('withCpu counts the CPU a process tree used during the run it wraps, and only that', async () => {
  const burn = () => {
    // Busy until this process has used 200 ms more of CPU: a measure of the work, not of the wall clock.
    const start = process.cpuUsage();
    for (;;) {
      const used = process.cpuUsage(start);
      if (used.user + used.system >= 200_000) return Promise.resolve('burnt');
    }
  };
  const [out, busy] = await withCpu(process.pid, burn);
  assert.equal(out, 'burnt');
  // /proc counts in ticks of 10 ms: 0.2 s of CPU shows as at least 19 ticks (compared in ticks: 0.57 - 0.38 is
  // 0.18999999999999995 in floating point, which failed a CI run).
  assert.ok(Math.round(busy * 100) >= 19, `busy run: ${busy} s of CPU`);
  const [, idle] = await withCpu(process.pid, () => new Promise((r) => setTimeout(r, 200)));
  assert.ok(idle < busy / 2, `a run that sleeps used ${idle} s of CPU, a busy one ${busy} s`);
});
