// Integration tests for `gomodproxy env`: the printed settings, run through bash and the real go command,
// produce the intended Go environment; --check talks to a local server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureIO } from './helpers/cli-io.js';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { run } from '../src/cli/env.js';

const capture = (env: Record<string, string | undefined> = {}) => captureIO({ env });

describe('gomodproxy env', () => {
  let url = '';
  let dir = '';
  const server = createServer((req, res) => {
    res.statusCode = req.url === '/sumdb/sum.golang.org/supported' || req.url === '/healthz' ? 200 : 404;
    res.end();
  });
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(tmpdir(), 'gmp-env-'));
  });
  after(async () => {
    server.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('bash lines give the go command the intended GOPROXY, GOPRIVATE and GONOSUMDB', async () => {
    const c = capture();
    const code = await run([url, '-f', 'bash', '--private', 'corp.example.com/*', '--nosumdb', 'github.com/corp'], c.io);
    assert.equal(code, 0);
    const script = `${c.text.stdout}\ngo env GOPROXY GOPRIVATE GONOPROXY GONOSUMDB\n`;
    const env = { PATH: process.env.PATH ?? '', HOME: dir, GOENV: path.join(dir, 'env'), GOFLAGS: '' };
    const { stdout } = await promisify(execFile)('bash', ['-c', script], { env });
    assert.deepEqual(stdout.trim().split('\n'), [`${url},direct`, 'corp.example.com/*', 'corp.example.com/*', 'corp.example.com/*,github.com/corp']);
  });

  test('the go env -w form writes the go env file that the go command then reads', async () => {
    const c = capture();
    assert.equal(await run([url, '--format', 'go', '--no-direct', '--private', '*.corp.example'], c.io), 0);
    const goenv = path.join(dir, 'goenv-w');
    const env = { PATH: process.env.PATH ?? '', HOME: dir, GOENV: goenv };
    const { stdout } = await promisify(execFile)('bash', ['-c', `${c.text.stdout}\ngo env GOPROXY GOPRIVATE`], { env });
    assert.deepEqual(stdout.trim().split('\n'), [url, '*.corp.example']);
  });

  test('prints every format by default, with a heading for each', async () => {
    const c = capture();
    assert.equal(await run([url, '--private', 'corp.example.com'], c.io), 0);
    const { stdout } = c.text;
    for (const line of [
      `export GOPROXY='${url},direct'`,
      `set -gx GOPRIVATE 'corp.example.com'`,
      `$env:GOPROXY = '${url},direct'`,
      `set "GOPROXY=${url},direct"`,
      `ENV GOPROXY="${url},direct"`,
      'env:',
      'variables:',
      `  GOPRIVATE: "corp.example.com"`,
    ])
      assert.ok(stdout.includes(line), `missing ${line}`);
  });

  test('--check reports a reachable instance and whether it relays the checksum database', async () => {
    const c = capture();
    assert.equal(await run([url, '--check', '-f', 'sh'], c.io), 0);
    assert.match(c.text.stderr, /ok: .* answers \(relays the checksum database sum\.golang\.org\)\n$/);
  });

  test('--check asks about the checksum database the printed GOSUMDB names, and none for GOSUMDB=off', async () => {
    const own = capture();
    const key = 'sum.gomodproxy.local+d5a8e0f4+AcIcfEvNdEwCwem7fSCjRU8yUfyhEIIoQbgMJu2O0Ir+';
    assert.equal(await run([url, '--check', '-f', 'sh', '--sumdb', key], own.io), 0);
    assert.match(own.text.stderr, /ok: .* answers \(does not relay the checksum database sum\.gomodproxy\.local\)\n$/);
    const off = capture();
    assert.equal(await run([url, '--check', '-f', 'sh', '--sumdb', 'off'], off.io), 0);
    assert.match(off.text.stderr, /^ok: \S+ answers\n$/);
  });

  test('--check exits 1 when the instance does not answer, but still prints the settings', async () => {
    const c = capture();
    assert.equal(await run(['http://127.0.0.1:1', '--check', '-f', 'sh'], c.io), 1);
    assert.match(c.text.stderr, /error: http:\/\/127\.0\.0\.1:1 does not answer/);
    assert.match(c.text.stdout, /export GOPROXY=/);
  });

  test('without a URL or $GOMODPROXY_URL, points at where serve listens by default (127.0.0.1:3000)', async () => {
    const c = capture({});
    assert.equal(await run(['-f', 'gitlab'], c.io), 0);
    assert.equal(c.text.stdout, 'variables:\n  GOPROXY: "http://127.0.0.1:3000,direct"\n');
  });

  test('uses $GOMODPROXY_URL when no URL is given', async () => {
    const c = capture({ GOMODPROXY_URL: 'https://gmp.corp.example' });
    assert.equal(await run(['-f', 'gitlab'], c.io), 0);
    assert.equal(c.text.stdout, 'variables:\n  GOPROXY: "https://gmp.corp.example,direct"\n');
  });

  test('bad flags and bad values exit 2 with a message; --help exits 0', async () => {
    const bad = capture();
    assert.equal(await run(['--bogus'], bad.io), 2);
    assert.match(bad.text.stderr, /unknown option '--bogus'/i);
    const fmt = capture();
    assert.equal(await run(['-f', 'tcsh'], fmt.io), 2);
    assert.match(fmt.text.stderr, /unknown format "tcsh"/);
    const help = capture();
    assert.equal(await run(['--help'], help.io), 0);
    assert.match(help.text.stdout, /^usage: gomodproxy env/);
  });
});
