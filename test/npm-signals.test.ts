// The README's first command is `npm start`, and its other commands run as `npx gomodproxy …`. npm runs the
// proxy under `sh -c`, and on SIGTERM (a container's stop, a supervisor, `kill`) it stops that shell, which
// does not pass the signal on: the proxy went on running, orphaned, holding its port. Now `npm start` execs
// the proxy, so npm's SIGTERM reaches it and npm waits for its drain; under `npm exec` (npx's shape: npm,
// then `sh -c`, then node) the proxy sees its parent go and drains as on SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';

const ROOT = path.resolve(new URL('..', import.meta.url).pathname);
const SLOW = '/example.com/slow/@v/v1.0.0.info';

let root: string;
let up: FakeUpstream;

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-npm-signals-'));
  await writeGoproxyDir(path.join(root, 'up'), [{ path: 'example.com/slow', versions: [{ version: 'v1.0.0', files: { 'slow.go': 'package slow\n' } }] }]);
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

/** Every process below `pid`, from /proc. */
async function descendants(pid: number): Promise<number[]> {
  const parents = new Map<number, number>();
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    if (stat === '') continue;
    parents.set(Number(name), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [child, parent] of parents)
      if (parent === p) {
        out.push(child);
        walk(child);
      }
  };
  walk(pid);
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const RUNS = [
  { how: 'npm start', args: (flags: string[]) => ['start', '--', ...flags], said: 'SIGTERM' },
  { how: 'npm exec (as npx runs it)', args: (flags: string[]) => ['exec', '--', 'node', 'bin/gomodproxy.js', ...['serve', ...flags]], said: 'npm stopped' },
];

for (const run of RUNS) {
  for (const workers of ['1', '2']) {
    test(`${run.how} --workers ${workers}: SIGTERM to npm drains the request in flight, then every process of the proxy exits`, async () => {
      const data = path.join(root, `data-${run.how.split(' ')[1]}-${workers}`);
      const flags = ['--listen', '127.0.0.1:0', '--data', data, '--upstream', up.url, '--sumdb', 'off', '--workers', workers, '--log-level', 'info'];
      const env: NodeJS.ProcessEnv = {};
      for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS' && !k.startsWith('NODE_TEST')) env[k] = v;
      const npm = spawn('npm', run.args(flags), { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      npm.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
      npm.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
      const npmExited = new Promise<void>((r) => npm.once('exit', () => r()));
      let release = false;
      let procs: number[] = [];
      try {
        let url = '';
        await eventually(async () => {
          const m = /"address":"(http:\/\/127\.0\.0\.1:\d+)".*gomodproxy listening/.exec(out);
          if (npm.exitCode !== null) assert.fail(`npm exited before the proxy listened:\n${out}`);
          url = m?.[1] ?? '';
          return url !== '';
        }, 'the proxy listens');
        procs = await descendants(npm.pid as number);
        assert.ok(procs.length >= Number(workers), `the proxy's processes: ${procs.join(' ')}`);

        up.faults.set(SLOW, { kind: 'until', ready: () => release, ms: 600_000 });
        const asked = up.count(SLOW);
        const inFlight = request(url + SLOW);
        await eventually(async () => up.count(SLOW) > asked, 'the request reached the upstream');

        npm.kill('SIGTERM');
        await eventually(async () => out.includes('shutting down'), 'the proxy began to shut down');
        assert.ok(out.includes(`"signal":"${run.said}"`), out);
        release = true;
        const answer = await inFlight;
        assert.equal(answer.statusCode, 200);
        assert.match(await answer.body.text(), /"Version":"v1\.0\.0"/);
        await eventually(async () => procs.every((p) => !alive(p)), `every process of the proxy exits (${procs.join(' ')})`);
        await npmExited;
        // The port is free again: nothing is left listening on it.
        await assert.rejects(request(url + SLOW, { headersTimeout: 5_000 }), /ECONNREFUSED/);
      } finally {
        release = true;
        up.faults.delete(SLOW);
        for (const p of procs) if (alive(p)) process.kill(p, 'SIGKILL');
        if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      }
    });
  }
}

test('started without npm, a proxy whose parent exits (a shell that backgrounds it) goes on serving', async () => {
  const data = path.join(root, 'data-background');
  const log = path.join(root, 'background.log');
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GOMODPROXY_|npm_|NODE_TEST)/.test(k) && k !== 'NODE_OPTIONS') env[k] = v;
  const shell = spawn(
    'sh',
    [
      '-c',
      `node bin/gomodproxy.js serve --listen 127.0.0.1:0 --data "$1" --upstream "$2" --sumdb off --workers 1 > "$3" 2>&1 & echo $!`,
      'sh',
      data,
      up.url,
      log,
    ],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let pidText = '';
  shell.stdout.on('data', (c: Buffer) => (pidText += c.toString('utf8')));
  await new Promise<void>((r) => shell.once('exit', () => r()));
  const pid = Number(pidText.trim());
  assert.ok(pid > 0, pidText);
  try {
    let url = '';
    await eventually(async () => {
      url = /"address":"(http:\/\/127\.0\.0\.1:\d+)".*gomodproxy listening/.exec(await readFile(log, 'utf8').catch(() => ''))?.[1] ?? '';
      return url !== '';
    }, 'the backgrounded proxy listens');
    // Its parent, the shell, is gone: a proxy watching it would have begun to shut down within a second.
    await new Promise((r) => setTimeout(r, 2_000));
    const answer = await request(`${url}/example.com/slow/@v/v1.0.0.info`);
    assert.equal(answer.statusCode, 200);
    await answer.body.dump();
    assert.doesNotMatch(await readFile(log, 'utf8'), /shutting down/);
  } finally {
    if (alive(pid)) process.kill(pid, 'SIGTERM');
    await eventually(async () => !alive(pid), 'the backgrounded proxy exits on SIGTERM');
  }
});
