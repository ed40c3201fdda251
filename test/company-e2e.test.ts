// End to end with the real go command over https (a self-signed certificate the go command trusts through
// SSL_CERT_FILE): tokens in .netrc for private modules (401 without, 403 with the wrong scope), publishing
// a directory and fetching it verified by gomodproxy's own checksum database, immutability, a deny rule
// the go command shows, and the audit log that records all of it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { captureIO } from './helpers/cli-io.js';
import { forEachGo, goDownload, goEnv, runGo } from './helpers/go.js';
import type { GoCommand, GoEnv } from './helpers/go.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { ownSumdbKey } from './helpers/own-sumdb-key.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { makeCert } from './helpers/tls-cert.js';
import { netrcHosts } from '../src/shellenv/auth-lines.js';
import type { TestCert } from './helpers/tls-cert.js';

let tmp: string;
let cert: TestCert;
let proxy: RunningProxy;
/** Denies example.com/lib's newest versions: `@latest` must resolve to the newest one allowed. */
let strict: RunningProxy;
let audit: string;
let ownKey: string;
const tokens = { reader: '', elsewhere: '', publisher: '' };

/** `gomodproxy token create` against the server's data directory, as an operator runs it. */
async function createToken(name: string, ...scopes: string[]): Promise<string> {
  const c = captureIO();
  const args = ['token', 'create', '--name', name, ...scopes.flatMap((s) => ['--scope', s]), '--data', proxy.dataDir, '--audit-log', audit];
  assert.equal(await main(args, c.io), 0, c.text.stderr);
  return c.text.stdout.trim();
}

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-company-'));
  cert = await makeCert(tmp);
  audit = path.join(tmp, 'audit.jsonl');
  const pub = await writeGoproxyDir(path.join(tmp, 'public'), sampleModules());
  const priv = await writeGoproxyDir(path.join(tmp, 'private'), [
    { path: 'corp.example.com/secret', versions: [{ version: 'v1.0.0', files: { 'secret.go': 'package secret\n\nconst Word = "swordfish"\n' } }] },
  ]);
  proxy = await startProxy({
    upstream: `file://${pub}`,
    private: 'corp.example.com',
    'private-upstream': `file://${priv}`,
    'own-sumdb': 'on',
    'tls-cert': cert.cert,
    'tls-key': cert.key,
    auth: 'private',
    deny: 'example.com/lib@<v1.1.0',
    'audit-log': audit,
  });
  strict = await startProxy({ upstream: `file://${pub}`, deny: 'example.com/lib@>=v1.1.0' });
  ownKey = await ownSumdbKey(proxy.dataDir);
  tokens.reader = await createToken('reader', 'read:corp.example.com');
  tokens.elsewhere = await createToken('elsewhere', 'read:team.example.org/*');
  tokens.publisher = await createToken('publisher', 'publish:corp.example.com/pub*', 'read:corp.example.com');
});
after(async () => {
  await proxy.close();
  await strict.close();
  await rm(tmp, { recursive: true, force: true });
});

/** The go command's environment: only the proxy, the test certificate trusted, and .netrc holding `token`. */
async function env(go: GoCommand, token?: string, extra: Record<string, string> = {}): Promise<GoEnv> {
  const e = await goEnv(proxy.url, { SSL_CERT_FILE: cert.cert, ...extra }, go);
  if (token !== undefined) {
    const lines = netrcHosts(new URL(proxy.url)).map((h) => `machine ${h} login anyone password ${token}\n`);
    await writeFile(path.join(e.home, '.netrc'), lines.join(''), { mode: 0o600 });
  }
  return e;
}

/** The go command's result, its output with the -json errors decoded (JSON escapes `<` as \\u003c). */
async function download(e: GoEnv, mod: string) {
  const { result, downloads } = await goDownload(e, [mod]);
  return { ...result, stdout: `${result.stdout}\n${downloads.map((d) => d.Error ?? '').join('\n')}` };
}

async function publish(dir: string, version: string, token: string) {
  const c = captureIO({ env: { GOMODPROXY_TOKEN: token, SSL_CERT_FILE: cert.cert } });
  const code = await main(['publish', dir, version, '--url', proxy.url], c.io);
  return { code, ...c.text };
}

async function moduleDir(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(tmp, name);
  await mkdir(dir, { recursive: true });
  for (const [f, content] of Object.entries(files)) await writeFile(path.join(dir, f), content);
  return dir;
}

await forEachGo('companies: tokens, publishing and policy with the go command', (go) => {
  test('without credentials a private module fails with the 401 shown; public modules need none', async () => {
    const denied = await download(await env(go), 'corp.example.com/secret@v1.0.0');
    assert.notEqual(denied.code, 0);
    assert.match(denied.stdout + denied.stderr, /401 Unauthorized/);
    const open = await download(await env(go), 'example.com/lib@v1.1.0');
    assert.equal(open.code, 0, open.stdout + open.stderr);
  });

  test('a .netrc holding a read token fetches the private module; a wrong token gets 401', async () => {
    const ok = await download(await env(go, tokens.reader), 'corp.example.com/secret@v1.0.0');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const wrong = await download(await env(go, `gmp_0123456789abcdef_${'x'.repeat(43)}`), 'corp.example.com/secret@v1.0.0');
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stdout + wrong.stderr, /401 Unauthorized/);
  });

  test('a token scoped to another glob gets 403, never 404', async () => {
    const r = await download(await env(go, tokens.elsewhere), 'corp.example.com/secret@v1.0.0');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /403 Forbidden/);
    assert.match(r.stdout + r.stderr, /no read scope for corp\.example\.com\/secret/);
  });

  test('a published directory is fetched with go get, verified by the own checksum database; other content for it is refused (409)', async () => {
    const version = `v1.${go.minor.split('.')[1]}.0`;
    const dir = await moduleDir(`pub-${go.minor}`, {
      'go.mod': 'module corp.example.com/pub\n\ngo 1.19\n',
      'pub.go': 'package pub\n\n// Answer is published, not tagged.\nconst Answer = 42\n',
    });
    const first = await publish(dir, version, tokens.publisher);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, new RegExp(`published corp.example.com/pub@${version} h1:`));
    assert.equal((await publish(dir, version, tokens.publisher)).code, 0, 'the same content again is accepted');

    const gosumdb = `${ownKey} ${proxy.url}/sumdb/sum.gomodproxy.local`;
    const e = await env(go, tokens.reader, { GOSUMDB: gosumdb });
    const app = path.join(e.home, 'app');
    await mkdir(app);
    await writeFile(path.join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
    const get = await runGo(['get', `corp.example.com/pub@${version}`], app, e);
    assert.equal(get.code, 0, get.stderr);
    const goSum = await readFile(path.join(app, 'go.sum'), 'utf8');
    const lookup = await runGo(['mod', 'download', '-json', `corp.example.com/pub@${version}`], app, e);
    const sum = (JSON.parse(lookup.stdout) as { Sum: string }).Sum;
    assert.ok(goSum.includes(`corp.example.com/pub ${version} ${sum}\n`), goSum);
    const list = await runGo(['list', '-m', '-versions', 'corp.example.com/pub'], app, e);
    assert.match(list.stdout, new RegExp(version.replace(/\./g, '\\.')));

    await writeFile(path.join(dir, 'pub.go'), 'package pub\n\nconst Answer = 43\n');
    const again = await publish(dir, version, tokens.publisher);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /409: conflict: corp\.example\.com\/pub@v1\.\d+\.0 already exists/);
  });

  test('a denied version gets 403 and the go command shows the rule', async () => {
    const r = await download(await env(go), 'example.com/lib@v1.0.0');
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /403 Forbidden/);
    assert.match(r.stdout + r.stderr, /denied by the policy rule "example\.com\/lib@<v1\.1\.0"/);
  });
});

await forEachGo('policy rules in @v/list', (go) => {
  test('denied versions are not listed, so @latest resolves to the newest version the rules allow', async () => {
    const e = await goEnv(strict.url, {}, go);
    const versions = await runGo(['list', '-m', '-versions', 'example.com/lib'], e.home, e);
    assert.equal(versions.code, 0, versions.stderr);
    assert.equal(versions.stdout.trim(), 'example.com/lib v1.0.0');
    const { result, downloads } = await goDownload(e, ['example.com/lib@latest']);
    assert.equal(result.code, 0, result.stderr + result.stdout);
    assert.equal(downloads[0]?.Version, 'v1.0.0');
    // Named exactly, a denied version is still refused with the rule.
    const denied = await goDownload(e, ['example.com/lib@v1.1.0']);
    assert.notEqual(denied.result.code, 0);
    assert.match(denied.downloads[0]?.Error ?? '', /denied by the policy rule/);
  });
});

test('the audit log holds every event with the token name and client address, never a token', async () => {
  const c = captureIO();
  assert.equal(await main(['token', 'revoke', 'elsewhere', '--data', proxy.dataDir, '--audit-log', audit], c.io), 0, c.text.stderr);
  const text = await readFile(audit, 'utf8');
  const events = text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; token?: string; client?: string; result?: string; time: string; via?: string; user?: string });
  const has = (pred: (e: (typeof events)[number]) => boolean, what: string) => assert.ok(events.some(pred), `${what} in:\n${text}`);
  // A command has no client address: it says it came from the command line, and whose account ran it.
  const user = userInfo().username;
  has((e) => e.event === 'token.created' && e.token === 'reader' && e.via === 'command line' && e.user === user, 'token.created');
  has((e) => e.event === 'token.revoked' && e.token === 'elsewhere' && e.via === 'command line' && e.user === user, 'token.revoked');
  has((e) => e.event === 'auth.failed' && e.client === '127.0.0.1', 'auth.failed');
  has((e) => e.event === 'denied' && e.token === 'elsewhere', 'denied by scope');
  has((e) => e.event === 'denied' && /policy rule/.test(JSON.stringify(e)), 'denied by policy');
  has((e) => e.event === 'publish' && e.token === 'publisher' && e.result === 'created', 'publish');
  has((e) => e.event === 'publish' && e.result === 'refused', 'refused publish');
  assert.ok(events.every((e) => !Number.isNaN(Date.parse(e.time))));
  for (const t of Object.values(tokens)) assert.ok(!text.includes(t), 'no token in the audit log');
});
