// Integration tests for `gomodproxy doctor`: the real `go env -json` with a controlled environment and go env
// file, and proxies on 127.0.0.1 that answer well, badly, slowly or not at all.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureIO } from './helpers/cli-io.js';
import { after, before, describe, test } from 'node:test';
import { run } from '../src/doctor/cli.js';

interface Behaviour {
  readonly missingStatus?: number;
  readonly listType?: string;
  readonly delayMs?: number;
}

async function startProxy(b: Behaviour = {}): Promise<Server> {
  const server = createServer(async (req, res) => {
    if (b.delayMs) await new Promise((r) => setTimeout(r, b.delayMs));
    if (req.url === '/golang.org/x/text/@v/list')
      return void res.writeHead(200, { 'content-type': b.listType ?? 'text/plain; charset=utf-8' }).end('v0.13.0\nv0.14.0\n');
    if (req.url === '/golang.org/x/text/@v/v0.14.0.info')
      return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"Version":"v0.14.0","Time":"2023-10-26T00:00:00Z"}');
    res.writeHead(b.missingStatus ?? 404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

const urlOf = (s: Server) => `http://127.0.0.1:${(s.address() as AddressInfo).port}`;

async function doctor(args: string[], env: Record<string, string>) {
  const c = captureIO({ env });
  const code = await run(args, c.io);
  return { code, ...c.text };
}

const ids = (json: string) => (JSON.parse(json).findings as Array<{ id: string; severity: string }>).map((f) => `${f.id}:${f.severity}`).sort();

describe('gomodproxy doctor', () => {
  let dir = '';
  let good: Server;
  let bad: Server;
  let slow: Server;
  let baseEnv: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gmp-doctor-'));
    [good, bad, slow] = await Promise.all([
      startProxy(),
      startProxy({ missingStatus: 500, listType: 'application/octet-stream' }),
      startProxy({ delayMs: 3000 }),
    ]);
    // Only what go needs: no GOPROXY or GOFLAGS from the machine running the tests.
    baseEnv = { PATH: process.env.PATH ?? '', HOME: dir, GOENV: path.join(dir, 'env'), GOCACHE: path.join(dir, 'cache') };
    await writeFile(baseEnv.GOENV ?? '', `GOPROXY=${urlOf(good)},direct\nGOPRIVATE=corp.example.com\n`);
  });

  after(async () => {
    for (const s of [good, bad, slow]) s.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('with the real go env -json, a healthy setup read from the go env file has no findings and exits 0', async () => {
    const r = await doctor(['--json'], baseEnv);
    assert.equal(r.code, 0, r.stdout);
    const report = JSON.parse(r.stdout);
    assert.equal(report.source, 'go env -json');
    assert.match(report.goVersion, /^go1\.\d+/);
    assert.equal(report.envFile, baseEnv.GOENV);
    const proxy = report.settings.find((s: { name: string }) => s.name === 'GOPROXY');
    assert.deepEqual([proxy.value, proxy.origin], [`${urlOf(good)},direct`, 'go env file']);
    const nosumdb = report.settings.find((s: { name: string }) => s.name === 'GONOSUMDB');
    assert.deepEqual([nosumdb.value, nosumdb.origin], ['corp.example.com', 'default']);
    assert.deepEqual(report.findings, []);
  });

  test('finds GOSUMDB=off, an environment override, and a proxy with wrong status codes and content types', async () => {
    const r = await doctor(['--json'], { ...baseEnv, GOSUMDB: 'off', GOPROXY: `${urlOf(bad)},direct` });
    assert.equal(r.code, 1);
    assert.deepEqual(ids(r.stdout), ['env-overrides-file:warning', 'gosumdb-off:error', 'proxy-content-type:warning', 'proxy-missing-status:error']);
  });

  test('prints findings with their fixes as go env -w, export and PowerShell lines', async () => {
    const r = await doctor([], { ...baseEnv, GOSUMDB: 'off' });
    assert.equal(r.code, 1);
    assert.match(r.stdout, /^Go settings, read from go env -json \(go1\./);
    assert.match(r.stdout, /ERROR {3}GOSUMDB: GOSUMDB=off: downloads are not checked/);
    assert.match(
      r.stdout,
      /fix: # GOSUMDB is set in the environment.*\n\s+go env -w GOSUMDB=sum\.golang\.org\n\s+export GOSUMDB=sum\.golang\.org\n\s+\$env:GOSUMDB = 'sum\.golang\.org'/,
    );
    assert.match(r.stdout, /1 error\(s\), 0 warning\(s\), 0 note\(s\)\.\n$/);
  });

  test('without go, reads the environment and the go env file, and reports an unreachable proxy as an error', async () => {
    const r = await doctor(['--json', '--go', 'none', '--timeout', '1000'], { ...baseEnv, GOPROXY: 'http://127.0.0.1:1' });
    assert.equal(r.code, 1);
    assert.equal(JSON.parse(r.stdout).source, 'environment');
    assert.deepEqual(ids(r.stdout), ['env-overrides-file:warning', 'goproxy-no-fallback:warning', 'proxy-unreachable:error']);
  });

  test('reports a proxy slower than --slow', async () => {
    // 3 s against a 1.5 s threshold: a margin that a loaded machine does not give the fast proxy.
    const r = await doctor(['--json', '--go', 'none', '--slow', '1500', '--timeout', '20000'], { ...baseEnv, GOPROXY: `${urlOf(slow)}|${urlOf(good)},direct` });
    assert.equal(r.code, 0);
    assert.deepEqual(ids(r.stdout), ['env-overrides-file:warning', 'proxy-slow:warning']);
  });

  test('--no-probe sends no request, --markdown prints a table, --help prints usage, bad flags exit 2', async () => {
    const md = await doctor(['--markdown', '--no-probe'], { ...baseEnv, GOPROXY: 'http://127.0.0.1:1,direct' });
    assert.equal(md.code, 0);
    assert.match(md.stdout, /^\| Variable \| Value \| Origin \| Meaning \|/);
    assert.match(md.stdout, /\| GOPROXY \| `http:\/\/127\.0\.0\.1:1,direct` \| environment \|/);
    assert.equal((await doctor(['--help'], baseEnv)).code, 0);
    for (const bad of [['--timeout', 'soon'], ['--bogus'], ['extra'], ['--probe-module', 'not a path']]) {
      const r = await doctor(bad, baseEnv);
      assert.equal(r.code, 2, bad.join(' '));
      assert.match(r.stderr, /^gomodproxy doctor: /);
    }
  });
});
