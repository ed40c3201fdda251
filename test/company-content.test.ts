// A company proxy (https on a private CA, --auth private) as the commands that talk to it meet it: bundle
// export and warm through --url send the read token from $GOMODPROXY_TOKEN and trust the CA of SSL_CERT_FILE,
// as the go command does; sumdb key --url, env --check and doctor reach it through the same CA; and export
// from the data directory itself needs no token for the private modules it holds.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { makeCert } from './helpers/tls-cert.js';
import type { TestCert } from './helpers/tls-cert.js';

const PRIVATE = 'corp.example.com/secret@v1.0.0';
let tmp: string;
let cert: TestCert;
let proxy: RunningProxy | undefined;
let flags: Record<string, string>;
let reader: string;

async function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIO({ env: { HOME: tmp, ...env } });
  const code = await main(args, c.io);
  return { code, ...c.text };
}

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-company-content-'));
  cert = await makeCert(tmp);
  const pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
  const priv = await writeGoproxyDir(path.join(tmp, 'private'), [
    { path: 'corp.example.com/secret', versions: [{ version: 'v1.0.0', files: { 'secret.go': 'package secret\n\nconst Word = "swordfish"\n' } }] },
  ]);
  flags = { upstream: `file://${pub}`, private: 'corp.example.com', 'private-upstream': `file://${priv}`, 'own-sumdb': 'on', auth: 'private' };
  proxy = await startProxy({ ...flags, 'tls-cert': cert.cert, 'tls-key': cert.key }, { dataDir: path.join(tmp, 'data') });
  const made = await cli(['token', 'create', '--name', 'reader', '--scope', 'read:corp.example.com', '--data', proxy.dataDir]);
  assert.equal(made.code, 0, made.stderr);
  reader = made.stdout.trim();
});
after(async () => {
  await proxy?.close();
  await rm(tmp, { recursive: true, force: true });
});

const url = () => (proxy as RunningProxy).url;
const unused = () => ['--data', path.join(tmp, 'unused')];

test('bundle export --url sends the read token and trusts SSL_CERT_FILE: private modules come with their own-database proofs', async () => {
  const out = path.join(tmp, 'url.tar');
  const args = [
    'bundle',
    'export',
    PRIVATE,
    'example.com/lib@v1.0.0',
    '--url',
    url(),
    '-o',
    out,
    '--sumdb',
    'off',
    ...unused(),
    '--private',
    'corp.example.com',
  ];
  const done = await cli(args, { GOMODPROXY_TOKEN: reader, SSL_CERT_FILE: cert.cert });
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /wrote .*: 2 module versions; proofs from sum\.gomodproxy\.local/);

  const noToken = await cli(args, { SSL_CERT_FILE: cert.cert });
  assert.equal(noToken.code, 1);
  assert.match(noToken.stderr, /corp\.example\.com\/secret@v1\.0\.0: .*401 unauthorized/);
});

test('warm --url reads a private module with the token from .netrc, over https on a private CA', async () => {
  await writeFile(path.join(tmp, '.netrc'), `machine 127.0.0.1 login x password ${reader}\n`, { mode: 0o600 });
  try {
    const done = await cli(['warm', PRIVATE, '--url', url(), ...unused()], { SSL_CERT_FILE: cert.cert });
    assert.equal(done.code, 0, done.stderr + done.stdout);
    assert.match(done.stdout, /warmed 1 of 1 module versions/);
  } finally {
    await rm(path.join(tmp, '.netrc'));
  }
});

test('warm --url over https on a private CA that SSL_CERT_FILE does not name: each version fails by name, the hint how to trust it comes once', async () => {
  const versions = [PRIVATE, 'example.com/lib@v1.0.0', 'example.com/lib@v1.1.0', 'example.com/Upper/Case@v0.1.0'];
  const r = await cli(['warm', ...versions, '--url', url(), ...unused()], { GOMODPROXY_TOKEN: reader });
  assert.equal(r.code, 1, r.stderr + r.stdout);
  for (const v of versions) {
    const escaped = v.replace(/[./]/g, '\\$&');
    assert.match(r.stdout, new RegExp(`^FAIL ${escaped}: https://127\\.0\\.0\\.1:\\d+/\\S+: self.signed certificate$`, 'm'));
  }
  assert.match(r.stdout, /^4 failed:$/m);
  const hints = (r.stdout + r.stderr).split('\n').filter((line) => line.includes('SSL_CERT_FILE'));
  assert.deepEqual(hints, ['hint: a private CA? name its PEM file in SSL_CERT_FILE, or its directory in SSL_CERT_DIR, as for the go command']);

  // A go.mod's graph walk fails at its first .mod reads, the same way.
  const goMod = path.join(tmp, 'untrusted.go.mod');
  await writeFile(goMod, 'module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/lib v1.0.0\n\texample.com/Upper/Case v0.1.0\n)\n');
  const graph = await cli(['warm', '--from', goMod, '--url', url(), ...unused()], { GOMODPROXY_TOKEN: reader });
  assert.equal(graph.code, 1, graph.stderr + graph.stdout);
  assert.match(graph.stdout, /^FAIL example\.com\/lib@v1\.0\.0: go\.mod: https:\/\/127\.0\.0\.1:\d+\/\S+: self.signed certificate$/m);
  assert.equal((graph.stdout + graph.stderr).split('SSL_CERT_FILE').length - 1, 1, graph.stdout);
});

test('bundle export --url over https on a private CA that SSL_CERT_FILE does not name: the hint comes once after the failures', async () => {
  const out = path.join(tmp, 'untrusted.tar');
  const args = ['bundle', 'export', PRIVATE, 'example.com/lib@v1.0.0', 'example.com/lib@v1.1.0', '--url', url(), '-o', out, '--sumdb', 'off', ...unused()];
  const r = await cli(args, { GOMODPROXY_TOKEN: reader });
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(r.stderr, /nothing written; 3 failed:\n( {2}\S+@v1\.\d\.0: https:\/\/127\.0\.0\.1:\d+\/\S+: self.signed certificate\n){3}hint: a private CA\?/);
  assert.equal((r.stdout + r.stderr).split('SSL_CERT_FILE').length - 1, 1, r.stderr);
});

test('bundle export --url over https on a private CA, checking that the proxy serves a --sumdb database first: one line naming it, and the hint', async () => {
  const out = path.join(tmp, 'untrusted-db.tar');
  const args = ['bundle', 'export', 'example.com/lib@v1.0.0', '--url', url(), '-o', out, '--sumdb', 'sum.golang.org', ...unused()];
  const r = await cli(args, { GOMODPROXY_TOKEN: reader });
  assert.equal(r.code, 1, r.stderr + r.stdout);
  assert.match(
    r.stderr,
    /^gomodproxy bundle export: nothing written; 1 failed:\n {2}checksum database sum\.golang\.org: https:\/\/127\.0\.0\.1:\d+\/\S+: self.signed certificate\nhint: a private CA\?/,
  );
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('sumdb key --url, env --check and doctor reach an https proxy through the CA of SSL_CERT_FILE', async () => {
  const key = await cli(['sumdb', 'key', '--url', url(), '--data', (proxy as RunningProxy).dataDir], { SSL_CERT_FILE: cert.cert });
  assert.equal(key.code, 0, key.stderr);
  assert.equal(key.stderr, '', 'the signed tree was fetched and verified, no warning');

  const env = await cli(['env', url(), '--check', '--sumdb', 'off'], { SSL_CERT_FILE: cert.cert });
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stderr, /ok: https:\/\/127\.0\.0\.1:\d+ answers/);

  const goEnv = { GOPROXY: url(), GOSUMDB: 'off', GOFLAGS: '', GONOSUMDB: '', GOPRIVATE: '', SSL_CERT_FILE: cert.cert };
  const doctor = await cli(['doctor', '--go', 'none'], goEnv);
  assert.doesNotMatch(doctor.stdout, /does not answer|self-signed/, doctor.stdout);
  assert.match(doctor.stdout, /answers 404 for golang\.org\/x\/text/, 'the probe got an answer');
});

test('sumdb key --url and env --check trust the PEM files of SSL_CERT_DIR, a : list of directories, as the go command does', async () => {
  const certs = path.join(tmp, 'certs');
  await mkdir(certs, { recursive: true });
  await copyFile(cert.cert, path.join(certs, 'proxy-ca.pem'));
  const trust = { SSL_CERT_DIR: `${path.join(tmp, 'no-such-dir')}:${certs}` };
  const key = await cli(['sumdb', 'key', '--url', url(), '--data', (proxy as RunningProxy).dataDir], trust);
  assert.equal(key.code, 0, key.stderr);
  assert.equal(key.stderr, '', 'the signed tree was fetched and verified, no warning');
  const env = await cli(['env', url(), '--check', '--sumdb', 'off'], trust);
  assert.equal(env.code, 0, env.stderr);
  assert.match(env.stderr, /ok: https:\/\/127\.0\.0\.1:\d+ answers/);
  // Without the directory the proxy's CA is unknown.
  const none = await cli(['env', url(), '--check', '--sumdb', 'off'], { SSL_CERT_DIR: path.join(tmp, 'no-such-dir') });
  assert.notEqual(none.code, 0, none.stderr);
});

test('bundle export from the data directory of a proxy with --auth private exports its private modules', async () => {
  const dataDir = (proxy as RunningProxy).dataDir;
  await (proxy as RunningProxy).close();
  proxy = undefined;
  const out = path.join(tmp, 'data.tar');
  const done = await cli(['bundle', 'export', PRIVATE, '-o', out, '--data', dataDir, '--sumdb', 'off', '--log-level', 'silent', ...flagList()]);
  assert.equal(done.code, 0, done.stderr);
  assert.match(done.stdout, /wrote .*: 1 module versions; proofs from sum\.gomodproxy\.local/);
});

function flagList(): string[] {
  return Object.entries(flags).flatMap(([k, v]) => [`--${k}`, v]);
}

test('doctor probes a proxy with --auth all with the .netrc token, as the go command sends it over https', async () => {
  const all = await startProxy({ upstream: flags.upstream as string, auth: 'all', 'tls-cert': cert.cert, 'tls-key': cert.key });
  const home = await mkdtemp(path.join(tmp, 'home-'));
  try {
    const made = await cli(['token', 'create', '--name', 'everything', '--scope', 'read:*', '--data', all.dataDir]);
    assert.equal(made.code, 0, made.stderr);
    await writeFile(path.join(home, '.netrc'), `machine ${new URL(all.url).host} login x password ${made.stdout.trim()}\n`, { mode: 0o600 });
    const env = { HOME: home, GOPROXY: all.url, GOSUMDB: 'off', GOFLAGS: '', GONOSUMDB: '', GOPRIVATE: '', SSL_CERT_FILE: cert.cert };
    const doctor = await cli(['doctor', '--go', 'none', '--probe-module', 'example.com/lib'], env);
    assert.doesNotMatch(doctor.stdout, /answers 401/, doctor.stdout);
    assert.match(doctor.stdout, /Every module may go through the proxy list/);
    assert.doesNotMatch(doctor.stdout, /GOPROXY: .*(answers|does not answer)/, 'the probes found nothing wrong with the proxy');
  } finally {
    await all.close();
  }
});
