// One convention for every command, through the real `bin/gomodproxy.js`: a mistake in what was typed (a flag,
// a flag's value, an argument: a token's scope or lifetime, publish's VERSION or --url, a MODULE@VERSION) is one
// line and exit 2, told before anything is opened; what the command meets when it runs (a file that is not
// there, a token name in use, nothing to revoke) is one line and exit 1.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

const BIN = path.resolve('bin/gomodproxy.js');

async function gomodproxy(args: string[], env: NodeJS.ProcessEnv = {}, withStdout = false): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS' && !k.startsWith('NODE_TEST')) clean[k] = v;
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...clean, ...env }, stdio: ['ignore', withStdout ? 'pipe' : 'ignore', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c));
  child.stdout?.on('data', (c: Buffer) => (stdout += c));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { code, stderr, stdout };
}

function oneLine(stderr: string, what: RegExp): void {
  assert.match(stderr, /^[^\n]+\n$/, `exactly one line, got ${JSON.stringify(stderr)}`);
  assert.match(stderr, what);
}

let dir = '';
let data = '';
let mod = '';
before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gmp-exit-codes-'));
  data = path.join(dir, 'data');
  mod = path.join(dir, 'mod');
  await mkdir(mod);
  await writeFile(path.join(mod, 'go.mod'), 'module example.com/m\n');
  await writeFile(path.join(dir, 'x.tar'), '');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a mistake in the command line is one line and exit 2', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['token create: a lifetime it cannot read', () => ['token', 'create', '--name', 'ci', '--scope', 'admin', '--expires', 'soon'], /--expires "soon"/],
    ['token create: a scope it cannot read', () => ['token', 'create', '--name', 'ci', '--scope', 'write:x'], /scope "write:x": use read:GLOB/],
    ['token create: a scope with a broken pattern', () => ['token', 'create', '--name', 'ci', '--scope', 'read:['], /scope "read:\[": .*not a valid pattern/],
    ['token create: no scope', () => ['token', 'create', '--name', 'ci'], /at least one --scope/],
    ['token create: a name it cannot keep', () => ['token', 'create', '--name', 'two words', '--scope', 'admin'], /token name "two words"/],
    [
      'token create: a lifetime past the year 275760',
      () => ['token', 'create', '--name', 'ci', '--scope', 'admin', '--expires', '99999999d'],
      /past the year 275760/,
    ],
    ['token list with a flag of create', () => ['token', 'list', '--name', 'ci'], /option '--name' is not one of list's/],
    ['token revoke with a flag of create', () => ['token', 'revoke', 'ci', '--scope', 'admin'], /option '--scope' is not one of revoke's/],
    [
      'publish: a version that is not canonical',
      () => ['publish', mod, 'v1.0', '--url', 'http://127.0.0.1:9'],
      /version "v1\.0" is not canonical \(should be "v1\.0\.0"\)/,
    ],
    ['publish: a version that is no version', () => ['publish', mod, 'latest', '--url', 'http://127.0.0.1:9'], /version "latest" is not a semantic version/],
    [
      'publish: --url that is not http(s)',
      () => ['publish', mod, 'v1.0.0', '--url', 'ftp://proxy.example'],
      /--url "ftp:\/\/proxy\.example" is not an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'bundle import: --url that is not http(s)',
      () => ['bundle', 'import', path.join(dir, 'x.tar'), '--url', 'ftp://proxy.example'],
      /--url "ftp:\/\/proxy\.example"/,
    ],
    ['bundle import: an empty --url (not a silent import into --data)', () => ['bundle', 'import', path.join(dir, 'x.tar'), '--url', ''], /--url "" is not/],
    [
      'bundle export: a concurrency it cannot use',
      () => ['bundle', 'export', 'example.com/a@v1.0.0', '-o', path.join(dir, 'b.tar'), '-c', '0'],
      /--concurrency/,
    ],
    ['pin: a version that is no version', () => ['pin', 'example.com/a@latest'], /example\.com\/a@latest: invalid version/],
    ['unpin: an argument without @VERSION', () => ['unpin', 'example.com/a'], /want MODULE@VERSION/],
  ];
  for (const [name, args, why] of cases) {
    test(name, async () => {
      // publish and bundle import --url name no data directory; the others are pointed at one that must stay unmade.
      const argv = args();
      const r = await gomodproxy(argv[0] === 'publish' || argv.includes('--url') ? argv : [...argv, '--data', data]);
      assert.equal(r.code, 2, r.stderr);
      oneLine(r.stderr, why);
      assert.match(r.stderr, /; run 'gomodproxy [a-z ]+ --help' for usage\n$/);
    });
  }

  test('nothing was opened for them: the data directory was never made', async () => {
    assert.deepEqual(await readdir(dir).then((names) => names.includes('data')), false);
  });
});

describe('a failure the command meets when it runs is one line and exit 1', () => {
  test('token create of a name in use', async () => {
    assert.equal((await gomodproxy(['token', 'create', '--name', 'ci', '--scope', 'admin', '--data', data])).code, 0);
    const r = await gomodproxy(['token', 'create', '--name', 'ci', '--scope', 'admin', '--data', data]);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /^gomodproxy token: a token named "ci" already exists/);
  });

  test('token revoke of a name no token has (a typo would leave the meant token working)', async () => {
    const r = await gomodproxy(['token', 'revoke', 'no-such-token', '--data', data]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr, `gomodproxy token: no token is named or has the id "no-such-token"; 'gomodproxy token list' shows them\n`);
  });

  test('publish of a directory without a go.mod', async () => {
    const r = await gomodproxy(['publish', path.join(dir, 'none'), 'v1.0.0', '--url', 'http://127.0.0.1:9']);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /has no go\.mod/);
  });

  test('publish with a GOMODPROXY_URL that is not http(s): a setting of the environment, as serve refuses one', async () => {
    const r = await gomodproxy(['publish', mod, 'v1.0.0'], { GOMODPROXY_URL: 'ftp://proxy.example' });
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /^gomodproxy publish: GOMODPROXY_URL "ftp:\/\/proxy\.example" is not an http:\/\/ or https:\/\/ URL\n$/);
  });

  test('unpin of a version only a --pin-from file pins: it stays pinned, so the line says so and the exit is 1', async () => {
    const pins = path.join(dir, 'pins.txt');
    await writeFile(pins, 'example.com/kept@v1.2.0\n');
    const r = await gomodproxy(['unpin', 'example.com/kept@v1.2.0', '--data', data, '--pin-from', pins], {}, true);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(
      r.stdout,
      'unpinned 0 module versions (1 module version not pinned here: nothing to do); 1 module version still pinned by a --pin-from file (remove it there): example.com/kept@v1.2.0\n',
    );
    // Without the file, the same unpin asks for what holds already: exit 0.
    assert.equal((await gomodproxy(['unpin', 'example.com/kept@v1.2.0', '--data', data])).code, 0);
  });

  test('pin --from a file that is not there', async () => {
    const r = await gomodproxy(['pin', '--from', path.join(dir, 'none.sum'), '--data', data]);
    assert.equal(r.code, 1, r.stderr);
    oneLine(r.stderr, /none\.sum: no such file/);
  });
});

test('token revoke of a token revoked already says so and exits 0: what was asked holds, as unpin of a version not pinned', async () => {
  const made = await gomodproxy(['token', 'create', '--name', 'twice', '--scope', 'admin', '--data', data]);
  assert.equal(made.code, 0, made.stderr);
  const first = await gomodproxy(['token', 'revoke', 'twice', '--data', data], {}, true);
  assert.equal(first.code, 0, first.stderr);
  assert.match(first.stdout, /^revoked token "twice" \(id [0-9a-f]+\)/);
  const again = await gomodproxy(['token', 'revoke', 'twice', '--data', data], {}, true);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(again.stderr, '');
  assert.match(again.stdout, /^token "twice" \(id [0-9a-f]+\) is already revoked, since \d{4}-\d\d-\d\dT\S+: nothing to do\n$/);
});
