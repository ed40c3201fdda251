// Running git safely: timeouts, failures with git's message, and the ref names we accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { GitError, gitDiskFull, gitEnv, isGitDiskFull, isSafeRefName, runGit } from './git-run.js';

/** Processes whose command line holds marker. */
async function processesWith(marker: string): Promise<string[]> {
  const out: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid) || Number(pid) === process.pid) continue;
    const cmd = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ');
    if (cmd.includes(marker)) out.push(cmd);
  }
  return out;
}

test('git runs without a shell, fails with its own message, and config goes through the environment', async () => {
  assert.match((await runGit(['--version'], { timeoutMs: 10_000 })).stdout.toString(), /^git version/);
  await assert.rejects(runGit(['no-such-command'], { timeoutMs: 10_000 }), (e: unknown) => e instanceof GitError && e.exitCode !== 0);
  const env = gitEnv([['http.extraHeader', 'Authorization: x']]);
  assert.equal(env.GIT_TERMINAL_PROMPT, '0');
  assert.equal(env[`GIT_CONFIG_KEY_${Number(env.GIT_CONFIG_COUNT) - 1}`], 'http.extraHeader');
  const out = (await runGit(['config', 'http.extraHeader'], { timeoutMs: 10_000, config: [['http.extraHeader', 'v1']] })).stdout.toString();
  assert.equal(out.trim(), 'v1');
});

test('a git call that outlives its timeout is killed', async () => {
  const started = Date.now();
  await assert.rejects(runGit(['-c', 'alias.wait=!sleep 60', 'wait'], { timeoutMs: 200 }), (e: unknown) => e instanceof GitError && e.timedOut);
  // Not a speed check: git would have run for 60 s; half of that on the slowest machine means it was killed.
  assert.ok(Date.now() - started < 30_000);
});

test("a fill's cut ends its git call with every process the call started, and no call starts under an aborted cut", { timeout: 120_000 }, async () => {
  // A sleep no other process runs: git runs a shell that runs it, both in the call's process group.
  const sleep = `sleep ${String(600_000 + Math.floor(Math.random() * 400_000))}`;
  const cut = new AbortController();
  const call = runGit(['-c', `alias.wait=!${sleep}; :`, 'wait'], { timeoutMs: 600_000, cut: cut.signal });
  call.catch(() => undefined);
  while ((await processesWith(sleep)).length === 0) await new Promise((r) => setTimeout(r, 20));
  cut.abort(new Error('shutdown'));
  await assert.rejects(call, (e: unknown) => e instanceof GitError && /stopped, the fill was cut/.test(e.message));
  while ((await processesWith(sleep)).length > 0) await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(runGit(['--version'], { timeoutMs: 10_000, cut: cut.signal }), /not started, the fill was cut/);
  // A call under a fresh cut (a fill started after the shutdown's cut) runs.
  assert.match((await runGit(['--version'], { timeoutMs: 10_000, cut: new AbortController().signal })).stdout.toString(), /^git version/);
});

test('ref names that git could read as options, ranges or reflog syntax are refused', () => {
  for (const ok of ['main', 'v1.2.3', 'sub/v1.0.0', 'v1.0.0+meta', 'feature_x']) assert.ok(isSafeRefName(ok), ok);
  for (const bad of ['-x', '--upload-pack=x', 'a..b', 'a@{1}', 'a:b', 'a b', 'a/', '.hidden', 'x.lock', 'a//b', 'a~1', 'a^']) {
    assert.ok(!isSafeRefName(bad), bad);
  }
});

test("git failing for want of room is told as our full disk or quota, but the remote's own full disk is not ours", () => {
  const failed = (stderr: string) => new GitError('git fetch failed (exit 128)', 128, stderr);
  assert.equal(gitDiskFull(failed('fatal: write error: No space left on device\n')), 'ENOSPC');
  assert.equal(gitDiskFull(failed('error: unable to write file objects/ab/cd: Disk quota exceeded\n')), 'EDQUOT');
  assert.equal(gitDiskFull(failed('remote: fatal: write error: No space left on device\nfatal: early EOF\n')), undefined);
  assert.equal(gitDiskFull(failed('fatal: unable to access: Could not resolve host\n')), undefined);
  assert.equal(isGitDiskFull(failed('fatal: write error: No space left on device\n')), true);
  assert.equal(isGitDiskFull(failed('remote: fatal: write error: No space left on device\n')), false);
  assert.equal(isGitDiskFull(Object.assign(new Error('No space left on device'), { stderr: 'No space left on device' })), false, 'only git');
  assert.equal(isGitDiskFull(undefined), false);
});
