// The command line as a new user meets it: for every sub-command, an unknown flag, a flag without its value
// and a stray argument give one clear line on stderr and exit 2 — never a stack trace, never a silent default.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cliArgv } from './helpers/cli-entry.js';
import { runCli as cli } from './helpers/in-process-cli.js';
import { startProxyProcess } from './helpers/proxy-process.js';

function assertOneLine(stderr: string, what: RegExp, label: string): void {
  assert.match(stderr, /^[^\n]+\n$/, `${label}: exactly one line, got ${JSON.stringify(stderr)}`);
  assert.match(stderr, what, label);
  assert.doesNotMatch(stderr, /ERR_PARSE_ARGS|\n\s+at /, label);
}

const data = await mkdtemp(path.join(tmpdir(), 'gmp-cli-'));
// Settings that keep `serve` on loopback in a temp directory, should a stray argument ever be ignored.
const SAFE = ['--listen', '127.0.0.1:0', '--data', data];

const COMMANDS: Array<{ name: string; flags?: string[]; missing: string; stray: string[] }> = [
  { name: 'serve', flags: SAFE, missing: '--listen', stray: ['serve-typo'] },
  { name: 'config check', missing: '--listen', stray: ['serve-typo'] },
  { name: 'sumdb key', flags: ['--data', data], missing: '--url', stray: ['extra'] },
  { name: 'sumdb trust', flags: ['--data', data], missing: '--config', stray: ['sum.golang.org', 'extra'] },
  { name: 'bench', flags: ['--sumdb', 'off'], missing: '--timeout', stray: ['not-a-url'] },
  { name: 'doctor', flags: ['--go', 'none', '--no-probe'], missing: '--timeout', stray: ['extra'] },
  { name: 'env', missing: '--format', stray: ['http://a.example', 'http://b.example'] },
  { name: 'sync', flags: ['--data', data], missing: '--follow', stray: ['http://parent.example'] },
];

for (const { name, flags = [], missing, stray } of COMMANDS) {
  const cmd = [...name.split(' '), ...flags];
  describe(`gomodproxy ${name}`, () => {
    test('an unknown flag gives one line naming it and exit 2', async () => {
      const r = await cli([...cmd, '--bogus']);
      assert.equal(r.code, 2, r.stderr);
      assertOneLine(r.stderr, new RegExp(`^gomodproxy ${name}: .*--bogus`), name);
    });

    test('a flag without its value gives one line naming it and exit 2', async () => {
      const r = await cli([...cmd, missing]);
      assert.equal(r.code, 2, r.stderr);
      assertOneLine(r.stderr, new RegExp(`^gomodproxy ${name}: .*${missing}.*value`), name);
    });

    test('an unexpected argument gives one line naming it and exit 2', async () => {
      const r = await cli([...cmd, ...stray]);
      assert.equal(r.code, 2, r.stderr);
      assertOneLine(r.stderr, new RegExp(`^gomodproxy ${name}: .*(${stray.at(-1)}|at most one)`), name);
    });

    test('--help prints the usage and exits 0', async () => {
      const r = await cli([...cmd, '--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /usage: gomodproxy/i);
    });
  });
}

describe('values and commands', () => {
  test('a negative number is a value: config check --retries -3 lists the problem and exits 1', async () => {
    for (const args of [['--retries', '-3'], ['--retries=-3']]) {
      const r = await cli(['config', 'check', ...args]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr, /flag --retries: http\.retries: /);
      assert.doesNotMatch(r.stderr, /ERR_PARSE_ARGS|\n\s+at /);
    }
  });

  test('config check prints no credential a setting holds: URLs of every list, direct mode credentials, the hook', async () => {
    const r = await cli([
      'config',
      'check',
      ...['--upstream', 'https://u:UPPASS@a.example|direct', '--private-upstream', 'https://u:PRIVPASS@p.example'],
      ...['--sumdb', 'sum.golang.org https://u:SUMPASS@s.example/sumdb/sum.golang.org'],
      ...['--direct-rewrite', 'https://a.example/=https://u:RWPASS@b.example/', '--direct-auth', 'a.example=bearer:BEARERPASS'],
      ...['--direct-auth', 'b.example=basic:bob:BASICPASS', '--validation-hook', 'https://u:HOOKPASS@h.example/check'],
      ...['--coordinator', 'postgres://gmp:PGPASS@127.0.0.1/db', '--follow', 'https://u:FOLLOWPASS@f.example/'],
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.doesNotMatch(r.stdout, /PASS/);
    // What the settings are is still shown.
    assert.match(r.stdout, /^upstream: https:\/\/a\.example\|direct$/m);
    assert.match(r.stdout, /- sum\.golang\.org https:\/\/s\.example\/sumdb\/sum\.golang\.org$/m);
    assert.match(r.stdout, /- https:\/\/a\.example\/=https:\/\/b\.example\/$/m);
    assert.match(r.stdout, /- a\.example=bearer:<redacted>$/m);
    assert.match(r.stdout, /- b\.example=basic:<redacted>$/m);
    assert.match(r.stdout, /hook: https:\/\/h\.example\/check$/m);
  });

  test('every invalid setting is still listed, with exit 1', async () => {
    const r = await cli(['config', 'check', '--listen', 'nowhere', '--upstream', 'foo']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /flag --listen: listen: /);
    assert.match(r.stderr, /flag --upstream: upstream: /);
  });

  test('config and sumdb without a sub-command say which there are (exit 2); with --help they list them (exit 0)', async () => {
    for (const [cmd, subs] of [
      ['config', /check/],
      ['sumdb', /key or trust/],
    ] as const) {
      const r = await cli([cmd]);
      assert.equal(r.code, 2, cmd);
      assertOneLine(r.stderr, new RegExp(`^gomodproxy ${cmd}: a sub-command is needed: .*${subs.source}`), cmd);
      for (const help of ['--help', '-h']) {
        const h = await cli([cmd, help]);
        assert.equal(h.code, 0, `${cmd} ${help}: ${h.stderr}`);
        assert.match(h.stdout, new RegExp(`^Usage: gomodproxy ${cmd} `), `${cmd} ${help}`);
        assert.equal(h.stderr, '');
      }
    }
  });

  test('a bad MODULE@VERSION argument of warm, pin or bundle export is named as the go command names it, with no line number', async () => {
    for (const cmd of [['warm'], ['pin'], ['bundle', 'export', '-o', path.join(data, 'b.tar')]]) {
      const r = await cli([...cmd, 'example.com/lib@v9.9.9', '--data', data]);
      assert.equal(r.code, 2, r.stderr);
      assertOneLine(r.stderr, /^gomodproxy [a-z ]+: example\.com\/lib@v9\.9\.9: invalid version: should be v0 or v1, not v9; /, cmd.join(' '));
    }
  });

  test('token: a missing, unknown or extra argument is named for what it is, before any coordinator is opened (exit 2)', async () => {
    // An unreachable coordinator: a usage mistake must not wait for it, nor be reported as its failure.
    const away = ['--data', data, '--coordinator', 'redis://127.0.0.1:9/0'];
    for (const [argv, what] of [
      [['token', 'revoke'], /revoke needs the name or id of the token/],
      [['token', 'crate'], /unknown sub-command "crate"; want create, list or revoke/],
      [['token', 'revoke', 'a', 'b'], /unexpected argument "b" for revoke/],
      [['token', 'list', 'x'], /unexpected argument "x" for list/],
    ] as const) {
      const r = await cli([...argv, ...away]);
      assert.equal(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
      assertOneLine(r.stderr, new RegExp(`^gomodproxy token: ${what.source}`), argv.join(' '));
    }
  });

  test('sumdb key --url with an empty value is refused, not replaced by localhost', async () => {
    const r = await cli(['sumdb', 'key', '--data', data, '--url=']);
    assert.equal(r.code, 2, r.stderr);
    assertOneLine(r.stderr, /^gomodproxy sumdb key: .*--url/, 'sumdb key');
    assert.equal(r.stdout, '');
  });

  test('unknown commands and sub-commands give one line and exit 2', async () => {
    for (const argv of [['--bogus'], ['serv'], ['config', 'chek'], ['sumdb', 'keys']]) {
      const r = await cli(argv);
      assert.equal(r.code, 2, argv.join(' '));
      assertOneLine(r.stderr, /^gomodproxy[ a-z]*: unknown /, argv.join(' '));
    }
  });
});

test("serve --help names the kind of value each setting takes: on|off, a duration, a size, a number, a choice's values", async () => {
  const help = (await cli(['serve', '--help'])).stdout;
  for (const flag of ['--own-sumdb on|off', '--shutdown-timeout DURATION', '--cache-max-size SIZE', '--workers N', '--auth off|private|all', '--data VALUE'])
    assert.match(help, new RegExp(`^  ${flag.replace(/\|/g, '\\|')} `, 'm'), flag);
});

test('npm start listens on loopback by default: the help says so and serve starts there without a warning', async () => {
  const help = await cli(['serve', '--help']);
  assert.match(help.stdout, /--listen VALUE +address to listen on.*\(default 127\.0\.0\.1:3000\)/);
  // The real command in a child process, as npm start runs it (on port 0: the machine is shared).
  const child = spawn(process.execPath, [...cliArgv(), 'serve', '--listen', '127.0.0.1:0', '--data', data, '--upstream', 'off', '--own-sumdb', 'off'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  while (!out.includes('gomodproxy listening')) {
    if (child.exitCode !== null) assert.fail(`serve exited: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGTERM');
  assert.equal(await exited, 0);
  const lines = out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { level: number; msg: string; address?: string });
  assert.match(lines.find((l) => l.msg === 'gomodproxy listening')?.address ?? '', /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.deepEqual(
    lines.filter((l) => l.level >= 40),
    [],
    'no warning for loopback',
  );
});

test('serve --workers 1 on a port in use says so in one line and exits 1, as --workers N does', async () => {
  const busy = createServer();
  await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
  const port = (busy.address() as AddressInfo).port;
  try {
    for (const workers of ['1', '2']) {
      const child = spawn(
        process.execPath,
        [...cliArgv(), 'serve', '--listen', `127.0.0.1:${port}`, '--data', data, '--upstream', 'off', '--own-sumdb', 'off', '--workers', workers],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c));
      const code = await new Promise<number | null>((r) => child.on('exit', r));
      assert.equal(code, 1, `--workers ${workers}: ${err}`);
      assert.equal(err, `gomodproxy: cannot start: cannot listen on 127.0.0.1:${port}: EADDRINUSE (the address is in use)\n`, `--workers ${workers}`);
    }
  } finally {
    busy.close();
  }
});

test('a second serve on the data directory of a running one is refused in one line (exit 1), naming it; once that stops, serve starts there', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-two-'));
  const shared = path.join(dir, 'data');
  await symlink(dir, path.join(dir, 'link'));
  const serveOn = async (dataDir: string, workers: string): Promise<{ code: number | null; err: string }> => {
    const child = spawn(process.execPath, [...cliArgv(), 'serve', '--listen', '127.0.0.1:0', '--data', dataDir, '--upstream', 'off', '--workers', workers], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (c: Buffer) => (err += c));
    // A server that starts anyway is stopped, so the test fails on its exit code instead of waiting forever.
    child.stdout.on('data', (c: Buffer) => {
      if (c.includes('gomodproxy listening')) child.kill('SIGTERM');
    });
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    return { code, err };
  };
  const first = await startProxyProcess({ data: shared, upstream: 'off', workers: '2' });
  // Asked for port 0, the server names the port it was given: the one a user can reach it on.
  const where = new URL(first.url).host.replaceAll('.', '\\.');
  assert.doesNotMatch(where, /:0$/);
  try {
    // Two servers on one data directory would both write its own checksum database and index feed.
    for (const [dataDir, workers] of [
      [shared, '1'],
      [path.join(dir, 'link', 'data'), '2'],
    ] as const) {
      const r = await serveOn(dataDir, workers);
      assert.equal(r.code, 1, `--workers ${workers}: ${r.err}`);
      assertOneLine(
        r.err,
        new RegExp(
          `^gomodproxy: cannot start: the data directory ${dataDir} is in use by another gomodproxy serve \\(pid ${first.child.pid}, listening on ${where}\\): stop it`,
        ),
        `--workers ${workers}`,
      );
    }
    // The commands that open the data directory themselves would write beside the server: refused too (the bundle
    // is there: a missing one is refused before the data directory is looked at).
    await writeFile(path.join(dir, 'x.tar'), '');
    for (const args of [
      ['warm', 'example.com/a@v1.0.0'],
      ['bundle', 'import', path.join(dir, 'x.tar')],
      ['sync', '--follow', 'http://127.0.0.1:9'],
    ]) {
      const r = await cli([...args, '--data', shared, '--upstream', 'off']);
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stderr}`);
      assertOneLine(
        r.stderr,
        new RegExp(
          `^gomodproxy ${args[0]}: the data directory ${shared} is in use by another gomodproxy serve \\(pid ${first.child.pid}, listening on ${where}\\): stop it`,
        ),
        args.join(' '),
      );
    }
  } finally {
    assert.equal(await first.stop(), 0);
  }
  const again = await startProxyProcess({ data: shared, upstream: 'off', workers: '1' });
  assert.equal(await again.stop(), 0);
  await rm(dir, { recursive: true, force: true });
});

test('a single-process serve asked for port 0 is named, to a command refused its data directory, by the port it listens on', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-port0-'));
  const shared = path.join(dir, 'data');
  const first = await startProxyProcess({ data: shared, upstream: 'off', workers: '1' });
  try {
    const where = new URL(first.url).host;
    assert.doesNotMatch(where, /:0$/);
    const r = await cli(['warm', 'example.com/a@v1.0.0', '--data', shared, '--upstream', 'off']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stderr,
      `gomodproxy warm: the data directory ${shared} is in use by another gomodproxy serve (pid ${first.child.pid}, listening on ${where}): stop it, or work through it with --url instead of --data\n`,
    );
  } finally {
    assert.equal(await first.stop(), 0);
    await rm(dir, { recursive: true, force: true });
  }
});

describe('local files a new user gets wrong', () => {
  test('bundle import of a directory, or of a file that is not there: one line, exit 1', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-dir-'));
    const r = await cli(['bundle', 'import', dir, '--data', data, '--upstream', 'off']);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr, /a directory, not a bundle file/, 'bundle import DIR');
    const missing = await cli(['bundle', 'import', path.join(dir, 'none.tar'), '--data', data, '--upstream', 'off']);
    assert.equal(missing.code, 1);
    assertOneLine(missing.stderr, /none\.tar: no such file/, 'bundle import MISSING');
    // Refused before anything is opened: a data directory named for the first time is not made (with a signer key).
    const fresh = path.join(dir, 'fresh-data');
    const nothing = await cli(['bundle', 'import', path.join(dir, 'none.tar'), '--data', fresh, '--upstream', 'off']);
    assert.equal(nothing.code, 1);
    assertOneLine(nothing.stderr, /none\.tar: no such file/, 'bundle import MISSING --data NEW');
    assert.equal(await stat(fresh).catch(() => undefined), undefined, 'no data directory was made');
  });

  test('bundle import with both --url and --data is refused: which one was meant is not ours to guess', async () => {
    const r = await cli(['bundle', 'import', 'x.tar', '--data', data, '--url', 'http://127.0.0.1:9']);
    assert.equal(r.code, 2);
    assertOneLine(r.stderr, /^gomodproxy bundle import: give --url .* or --data .*, not both/, 'bundle import --url --data');
  });

  test('bundle export into a directory that does not exist: one line, exit 1', async () => {
    const r = await cli(['bundle', 'export', 'example.com/a@v1.0.0', '-o', '/nonexistent-gmp/dir/x.tar', '--data', data, '--upstream', 'off']);
    assert.equal(r.code, 1);
    assertOneLine(r.stderr, /cannot write \/nonexistent-gmp\/dir\/x\.tar: no directory/, 'bundle export -o');
  });
});

test('unpin says what it did: a version that was not pinned is not counted as unpinned', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-pin-'));
  assert.match((await cli(['pin', 'example.com/a@v1.0.0', '--data', dir])).stdout, /^pinned 1 module version\n$/);
  const r = await cli(['unpin', 'example.com/a@v1.0.0', 'example.com/zzz@v1.0.0', '--data', dir]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'unpinned 1 module version (1 module version not pinned here: nothing to do)\n');
  assert.equal((await cli(['pin', '--list', '--data', dir])).stdout, '');
});

test('pin --list shows the versions of --pin-from files too, marked, as the Admin view does', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-pin-'));
  const file = path.join(dir, 'pins.txt');
  await writeFile(file, 'example.com/b v1.2.0\nexample.com/a v1.0.0\n');
  assert.equal((await cli(['pin', 'example.com/a@v1.0.0', '--data', dir])).code, 0);
  const r = await cli(['pin', '--list', '--data', dir, '--pin-from', file]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'example.com/a@v1.0.0\nexample.com/b@v1.2.0 (--pin-from)\n');
});

test('serve under a ulimit -n too low to run says so in one line and exits 1, not with a loader stack trace', async () => {
  // Lowering the soft limit is allowed to anyone; at 100, Node's loader may or may not fail on our modules first.
  const bin = path.resolve('bin/gomodproxy.js');
  const argv = ['-c', 'ulimit -n 100 && exec "$0" "$@"', process.execPath, bin, 'serve', ...SAFE, '--upstream', 'off'];
  const child = spawn('/bin/sh', argv, { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  assert.equal(code, 1, err);
  assertOneLine(err, /^gomodproxy: cannot start: the limit on open files \(ulimit -n\) is 100, below the 128 it needs; raise it/, 'ulimit -n 100');
});

test('a command that meets a known condition (a coordinator that does not answer) ends with its reason in one line, exit 1, no stack', async () => {
  // A port nothing listens on: the coordinator refuses at once, and warm cannot have the signer key it shares.
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-coord-'));
  const args = [
    'warm',
    'example.com/a@v1.0.0',
    '--data',
    path.join(dir, 'data'),
    '--upstream',
    'off',
    '--coordinator',
    `postgres://u:secret@127.0.0.1:${port}/db`,
  ];
  const child = spawn(process.execPath, [...cliArgv(), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err += c));
  const code = await new Promise<number | null>((r) => child.on('exit', r));
  await rm(dir, { recursive: true, force: true });
  assert.equal(code, 1, err);
  // Log lines (JSON) come around it: one line is the command's own, and no stack trace is printed.
  const own = err.split('\n').filter((l) => l.startsWith('gomodproxy warm: '));
  assert.equal(own.length, 1, err);
  assert.match(own[0] ?? '', /coordinator, which cannot be reached/);
  assert.doesNotMatch(err, /\n\s+at |secret/);
});

test('unpin of a version a --pin-from file lists says it stays pinned by that file, and exits 1: it is still pinned', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-cli-pin-'));
  const file = path.join(dir, 'pins.txt');
  await writeFile(file, 'example.com/b@v1.2.0\n');
  assert.equal((await cli(['pin', 'example.com/a@v1.0.0', 'example.com/b@v1.2.0', '--data', dir])).code, 0);
  const r = await cli(['unpin', 'example.com/a@v1.0.0', 'example.com/b@v1.2.0', '--data', dir, '--pin-from', file]);
  assert.equal(r.code, 1, r.stderr);
  assert.equal(r.stdout, 'unpinned 2 module versions; 1 module version still pinned by a --pin-from file (remove it there): example.com/b@v1.2.0\n');
  assert.equal((await cli(['pin', '--list', '--data', dir, '--pin-from', file])).stdout, 'example.com/b@v1.2.0 (--pin-from)\n');
});
