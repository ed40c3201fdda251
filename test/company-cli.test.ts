// The client side of tokens as a developer meets it: `env --auth` prints the .netrc lines (both machine
// spellings on a port, as Go 1.19 and 1.23 look them up) and the GOAUTH setting; `doctor` warns when a
// .netrc entry would go to a proxy on plain http, where the go command never sends it.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { readZip } from './helpers/git-direct.js';
import { GitRepoBuilder } from './helpers/git-repo-builder.js';

test('env --auth prints a .netrc line per machine spelling and a GOAUTH Bearer setting for the proxy', async () => {
  const c = captureIO();
  assert.equal(await main(['env', '--auth', 'https://proxy.corp.example.com:8443'], c.io), 0, c.text.stderr);
  assert.match(c.text.stdout, /machine proxy\.corp\.example\.com login gomodproxy password <token>/);
  assert.match(c.text.stdout, /machine proxy\.corp\.example\.com:8443 login gomodproxy password <token>/);
  assert.match(c.text.stdout, /GOAUTH=.*Authorization:\\\\040Bearer.* https:\/\/proxy\.corp\.example\.com:8443 \$GOMODPROXY_TOKEN/);
  assert.doesNotMatch(c.text.stdout, /WARNING/);
});

test('env --auth for a plain http proxy warns that the go command will not send the token', async () => {
  const c = captureIO();
  assert.equal(await main(['env', '--auth', 'http://proxy.corp.example.com'], c.io), 0, c.text.stderr);
  assert.match(c.text.stdout, /WARNING: http:\/\/proxy\.corp\.example\.com is plain http/);
});

test('doctor warns about .netrc credentials for a proxy on plain http, by host or host:port', async () => {
  const home = await mkdtemp(path.join(tmpdir(), 'gmp-doctor-netrc-'));
  try {
    for (const machine of ['proxy.corp.example.com', 'proxy.corp.example.com:8080']) {
      await writeFile(path.join(home, '.netrc'), `machine ${machine} login x password y\n`);
      const env = { HOME: home, GOPROXY: 'http://proxy.corp.example.com:8080', GOSUMDB: 'off', GOFLAGS: '', GONOSUMDB: '', GOPRIVATE: '' };
      const c = captureIO({ env });
      await main(['doctor', '--go', 'none', '--no-probe'], c.io);
      assert.match(c.text.stdout, /\.netrc has credentials for proxy\.corp\.example\.com.*plain http/, machine);
      assert.doesNotMatch(c.text.stdout, /login x|password y/, 'the credentials themselves are not printed');
    }
    const c = captureIO({ env: { HOME: home, GOPROXY: 'https://proxy.corp.example.com:8080', GOSUMDB: 'off' } });
    await main(['doctor', '--go', 'none', '--no-probe'], c.io);
    assert.doesNotMatch(c.text.stdout, /\.netrc has credentials/, 'no warning over https');
  } finally {
    await rm(home, { recursive: true, force: true });
  }
});

test('publish refuses to send its token over plain http to a host that only looks like loopback', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-publish-http-'));
  try {
    await writeFile(path.join(dir, 'go.mod'), 'module corp.example.com/lib\n');
    for (const host of ['127.attacker.example', '127.0.0.1.attacker.example', 'localhost.attacker.example']) {
      const c = captureIO({ env: { GOMODPROXY_TOKEN: `gmp_0123456789abcdef_${'x'.repeat(43)}` }, cwd: dir });
      assert.equal(await main(['publish', '.', 'v1.0.0', '--url', `http://${host}:3000`], c.io), 1, host);
      assert.match(c.text.stderr, /is plain http: the token would cross the network/, host);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('publish tells what is wrong with the directory or the version before it asks for a token', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-publish-order-'));
  try {
    await writeFile(path.join(dir, 'go.mod'), 'module corp.example.com/lib\n');
    await writeFile(path.join(dir, 'lib.go'), 'package lib\n');
    // No GOMODPROXY_TOKEN and no .netrc: each mistake is still named for what it is.
    const env = { HOME: dir, NETRC: path.join(dir, 'none') };
    for (const [args, why, code] of [
      // A version the command line alone shows wrong is a usage mistake (exit 2); the others need the directory.
      [['.', 'v1.0'], /version "v1\.0" is not canonical \(should be "v1\.0\.0"\)/, 2],
      [['.', 'v2.0.0'], /corp\.example\.com\/lib@v2\.0\.0: .*v0 or v1/, 1],
      [['missing', 'v1.0.0'], /has no go\.mod/, 1],
    ] as const) {
      const c = captureIO({ env, cwd: dir });
      assert.equal(await main(['publish', ...args, '--url', 'http://127.0.0.1:9'], c.io), code, args.join(' '));
      assert.match(c.text.stderr, why, c.text.stderr);
      assert.doesNotMatch(c.text.stderr, /no token/);
    }
    // A good module without a token: now the token is what is missing.
    const c = captureIO({ env, cwd: dir });
    assert.equal(await main(['publish', '.', 'v1.0.0', '--url', 'http://127.0.0.1:9'], c.io), 1);
    assert.match(c.text.stderr, /no token: set GOMODPROXY_TOKEN/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('publish from a git work tree zips what git tracks: ignored and untracked files never leave the machine, uncommitted changes are refused', async () => {
  const root = await mkdtemp(path.join(tmpdir(), 'gmp-publish-git-'));
  const uploads: Buffer[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      uploads.push(Buffer.concat(chunks));
      res.writeHead(201).end('published\n');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const repo = await GitRepoBuilder.init(path.join(root, 'repo'));
    await repo.write({
      '.gitignore': 'secrets.env\nbuild/\n',
      'lib/go.mod': 'module corp.example.com/lib\n\ngo 1.20\n',
      'lib/lib.go': 'package lib\n',
    });
    await repo.git('add', '-A');
    await repo.git('commit', '-q', '-m', 'lib');
    // What a working copy holds besides the commit: ignored secrets and build output, a stray note.
    await repo.write({ 'lib/secrets.env': 'PASSWORD=hunter2\n', 'lib/build/out.bin': 'binary', 'lib/notes.txt': 'todo\n' });
    const run = async () => {
      const c = captureIO({ env: { GOMODPROXY_TOKEN: `gmp_0123456789abcdef_${'x'.repeat(43)}` }, cwd: repo.dir });
      const code = await main(['publish', 'lib', 'v1.0.0', '--url', url], c.io);
      return { code, stderr: c.text.stderr };
    };

    let r = await run();
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /has changes git has not committed \(\?\? lib\/notes\.txt\)/);
    await rm(path.join(repo.dir, 'lib/notes.txt'));
    await repo.write({ 'lib/lib.go': 'package lib\n\n// not committed\n' });
    r = await run();
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, / M lib\/lib\.go/);
    assert.equal(uploads.length, 0, 'nothing is uploaded from a work tree with uncommitted changes');

    await repo.git('checkout', '-q', '--', 'lib/lib.go');
    r = await run();
    assert.equal(r.code, 0, r.stderr);
    assert.equal(uploads.length, 1);
    const zipFile = path.join(root, 'upload.zip');
    await writeFile(zipFile, uploads[0] as Buffer);
    const files = await readZip(zipFile, 'corp.example.com/lib@v1.0.0/');
    assert.deepEqual([...files.keys()].sort(), ['go.mod', 'lib.go']);
    assert.equal(files.get('lib.go')?.toString(), 'package lib\n');
  } finally {
    server.close();
    await rm(root, { recursive: true, force: true });
  }
});
