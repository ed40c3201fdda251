import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { test } from 'node:test';
import { within } from './bounded-wait.js';

const never = new Promise<never>(() => undefined);

test('work that settles in time: its value, or its error, and the fallback is never asked for', async () => {
  let asked = 0;
  const late = () => {
    asked++;
    return 'late';
  };
  assert.equal(await within(Promise.resolve('done'), 60_000, late), 'done');
  await assert.rejects(within(Promise.reject(new Error('refresh failed')), 60_000, late), /refresh failed/);
  assert.equal(asked, 0);
});

test("work that outlasts the wait: the caller's fallback, returned or thrown", async () => {
  assert.equal(await within(never, 10, () => undefined), undefined);
  const abort = new AbortController();
  const err = await within(never, 10, () => {
    const e = new Error('no answer within 10 ms');
    abort.abort(e);
    throw e;
  }).then(
    () => assert.fail('the fallback threw'),
    (e: unknown) => e,
  );
  assert.equal((err as Error).message, 'no answer within 10 ms');
  assert.equal(abort.signal.reason, err, 'the fallback ran before the wait ended, so it can stop the work');
});

/** Runs `code` (an ES module that imports bounded-wait.ts as `within`) in a child process, killed after a minute. */
async function runChild(code: string): Promise<{ out: string; err: string; status: number | null; killed: boolean }> {
  const script = `const { within } = await import(${JSON.stringify(new URL('./bounded-wait.ts', import.meta.url).href)});\n${code}`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let killed = false;
  const watchdog = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, 60_000);
  const status = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(watchdog);
  return { out, err, status, killed };
}

test('a wait that is over keeps no timer: a process whose work settled exits at once, not when the wait would have ended', async () => {
  // An hour-long bound: a timer left armed would keep the child alive for the hour, and the watchdog kills it.
  const { out, err, status, killed } = await runChild(`console.log(await within(Promise.resolve('done'), 3_600_000, () => 'late'));
    console.log(await within(Promise.reject(new Error('failed')), 3_600_000, () => 'late').catch((e) => e.message));`);
  assert.equal(out, 'done\nfailed\n', err);
  assert.equal(killed, false, 'the child was still running a minute after its work settled');
  assert.equal(status, 0);
});

test('an unref wait does not itself keep the process alive: with nothing else to wait for, it ends before the bound', async () => {
  // serve's shutdown bound: the process must not live on for --shutdown-timeout on account of the bound alone.
  const { out, err, status, killed } = await runChild("console.log(await within(new Promise(() => undefined), 3_600_000, () => 'late', { unref: true }));");
  assert.equal(killed, false, 'the child was still running a minute into its hour-long bound');
  assert.equal(out, '', err);
  assert.equal(status, 13, "Node's exit status for a top-level await that never settles");
});
