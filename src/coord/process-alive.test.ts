import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { alive } from './process-alive.js';

test('a running process is alive; one that has exited is not, also while it is a zombie its parent has not reaped', async (t) => {
  assert.equal(alive(process.pid), true);
  // sh starts a child that exits at once, prints its pid, and becomes `sleep`, which never reaps it: a zombie.
  const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 30'], { stdio: ['ignore', 'pipe', 'inherit'] });
  t.after(() => parent.kill('SIGKILL'));
  const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (b: Buffer) => resolve(b.toString().trim()))));
  assert.ok(Number.isInteger(zombie) && zombie > 0);
  // Until the child has exited, it may still be sleep 0 starting.
  const state = () => readFileSync(`/proc/${zombie}/stat`, 'latin1').split(') ')[1]?.charAt(0);
  for (let i = 0; i < 500 && state() !== 'Z'; i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(state(), 'Z', 'the child is a zombie');
  assert.equal(alive(zombie), false, 'a zombie is not alive');
  assert.equal(alive(parent.pid as number), true, 'its parent runs');
  parent.kill('SIGKILL');
  await new Promise((r) => parent.once('exit', r));
  assert.equal(alive(parent.pid as number), false, 'a process reaped is not alive');
});
