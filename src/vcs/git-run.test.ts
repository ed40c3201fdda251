// Running git safely: timeouts, failures with git's message, and the ref names we accept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GitError, gitEnv, isSafeRefName, runGit } from './git-run.js';

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

test('ref names that git could read as options, ranges or reflog syntax are refused', () => {
  for (const ok of ['main', 'v1.2.3', 'sub/v1.0.0', 'v1.0.0+meta', 'feature_x']) assert.ok(isSafeRefName(ok), ok);
  for (const bad of ['-x', '--upload-pack=x', 'a..b', 'a@{1}', 'a:b', 'a b', 'a/', '.hidden', 'x.lock', 'a//b', 'a~1', 'a^']) {
    assert.ok(!isSafeRefName(bad), bad);
  }
});
