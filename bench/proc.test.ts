// Tests of the /proc readers the benchmark trusts for memory and for the loopback-only check, against
// real processes this test starts (a shell with a child, a node server on 127.0.0.1).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { test } from 'node:test';
import { assertLoopbackOnly, decodeAddress, listeningAddresses, nonLoopback, processTree, sampleTreeRss, treeMemory } from './proc.js';
import { sleep } from './util.js';

test('/proc/net/tcp addresses are decoded to dotted IPv4 and bracketed IPv6, v4-mapped ones as IPv4', () => {
  assert.equal(decodeAddress('0100007F:1F90'), '127.0.0.1:8080');
  assert.equal(decodeAddress('00000000:0050'), '0.0.0.0:80');
  assert.equal(decodeAddress('00000000000000000000000001000000:0050'), '[::1]:80');
  assert.equal(decodeAddress('00000000000000000000000000000000:0050'), '[::]:80');
  assert.equal(decodeAddress('0000000000000000FFFF00000100007F:0050'), '127.0.0.1:80');
});

test('only 127.0.0.0/8 and ::1 count as loopback', () => {
  assert.deepEqual(nonLoopback(['127.0.0.1:80', '127.1.2.3:81', '[::1]:82', '0.0.0.0:83', '[::]:84', '10.0.0.1:85']), ['0.0.0.0:83', '[::]:84', '10.0.0.1:85']);
});

test('a process tree includes grandchildren, and its memory is summed over them', async () => {
  const child = spawn('sh', ['-c', 'sleep 30 & sleep 30 & wait'], { stdio: 'ignore' });
  try {
    let tree: number[] = [];
    for (let i = 0; i < 3000 && tree.length < 3; i++) {
      await sleep(20);
      tree = await processTree(child.pid as number);
    }
    assert.equal(tree.length, 3, 'the shell and its two sleeps');
    assert.equal(tree[0], child.pid);
    const m = await treeMemory(child.pid as number);
    assert.equal(m.processes, 3);
    assert.ok(m.rss > 0 && m.pss > 0 && m.pss <= m.rss, `rss ${m.rss}, pss ${m.pss}`);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a server on 127.0.0.1 passes the loopback check with the port it listens on', async () => {
  const code = "require('node:http').createServer(() => {}).listen(0, '127.0.0.1', function () { console.log(this.address().port) })";
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] });
  try {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const port = Number(chunk.toString().trim());
    assert.deepEqual(await listeningAddresses(child.pid as number), [`127.0.0.1:${port}`]);
    assert.deepEqual(await assertLoopbackOnly('test server', child.pid as number), [`127.0.0.1:${port}`]);
  } finally {
    child.kill('SIGKILL');
  }
});

test('a process that listens on nothing fails the loopback check rather than passing it', async () => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  try {
    await assert.rejects(assertLoopbackOnly('sleep', child.pid as number), /listens on no TCP socket/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('the RSS sampler keeps sampling while the event loop that started it is busy', async () => {
  const child = spawn('sh', ['-c', 'sleep 30 & wait'], { stdio: 'ignore' });
  try {
    await sleep(50);
    const sampler = await sampleTreeRss(child.pid as number, 10);
    // A loop as busy as the herd's 500 clients: nothing else runs on it for 1 s. A stalled loop would let the
    // thread take none; 10 of the 100 planned leave room for a machine where other processes take the cores.
    const until = Date.now() + 1000;
    while (Date.now() < until);
    const peak = await sampler.stop();
    assert.ok(sampler.samples() >= 10, `${sampler.samples()} samples in 1 s at 10 ms`);
    const m = await treeMemory(child.pid as number);
    assert.ok(peak > 0 && peak <= 2 * m.rss, `peak ${peak}, rss now ${m.rss}`);
  } finally {
    child.kill('SIGKILL');
  }
});
