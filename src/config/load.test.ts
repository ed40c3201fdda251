import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from './load.js';
import { parseListen } from './schema.js';

test('defaults give a proxy on 127.0.0.1:3000 (this machine only) with ./data and proxy.golang.org', async () => {
  const c = await loadConfig({});
  assert.equal(c.listen, '127.0.0.1:3000');
  assert.equal(c.data, './data');
  assert.equal(c.upstream, 'https://proxy.golang.org');
  assert.deepEqual(c.sumdb, ['sum.golang.org']);
  assert.equal(c.cache.listTTL, 60_000);
  assert.equal(c.http.retries, 2);
  assert.ok(Object.isFrozen(c.cache));
});

test('flags override environment, which overrides the file', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const file = path.join(dir, 'c.yaml');
  await writeFile(file, 'listen: ":4000"\ndata: /srv/a\ncache:\n  listTTL: 5m\nupstream: https://a.example\n');
  const c = await loadConfig({
    flags: { config: file, listen: '127.0.0.1:5000' },
    env: { GOMODPROXY_DATA: '/srv/b', GOMODPROXY_SUMDB: 'sum.golang.org; off' },
  });
  assert.equal(c.listen, '127.0.0.1:5000');
  assert.equal(c.data, '/srv/b');
  assert.equal(c.cache.listTTL, 300_000);
  assert.equal(c.upstream, 'https://a.example');
  assert.deepEqual(c.sumdb, ['sum.golang.org', 'off']);
});

test('every problem is listed with the source that set it', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const file = path.join(dir, 'c.yaml');
  await writeFile(file, 'cache:\n  listTTL: soon\n  sizeMax: 1\nbogus: 1\n');
  const err = await loadConfig({
    flags: { config: file, listen: 'nowhere', upstream: 'foo' },
    env: { GOMODPROXY_SUMDB: 'x+00000000+AA==', GOMODPROXY_TYPO: '1' },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join('\n');
  assert.match(text, /environment GOMODPROXY_TYPO: unknown setting/);
  assert.match(text, /flag --listen: listen: must be HOST:PORT/);
  assert.match(text, /flag --upstream: upstream: .*missing scheme/);
  assert.match(text, /environment GOMODPROXY_SUMDB: sumdb: .*Ed25519/);
  const inFile = `config file ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
  assert.match(text, new RegExp(`${inFile}: cache.listTTL: invalid duration`));
  // An unknown key names the file it came from, at the top level as inside a section.
  assert.match(text, new RegExp(`${inFile}: unknown setting bogus`));
  assert.match(text, new RegExp(`${inFile}: unknown setting cache.sizeMax`));
  assert.equal(err.problems.length, 7);
});

test('settings that go together are checked beside a bad setting elsewhere (watermarks, TLS), not hidden behind it', async () => {
  const err = await loadConfig({ flags: { 'cache-max-size': '12XB', 'cache-low-watermark': '97' } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems, [
    'flag --cache-max-size: eviction.maxSize: invalid size "12XB" (use e.g. 64MiB)',
    'flag --cache-low-watermark: eviction.lowWatermark: must be below --cache-high-watermark',
  ]);
  // The same for settings that go together across sections.
  const tls = await loadConfig({ flags: { 'cache-max-size': '12XB', 'tls-cert': '/etc/gmp/cert.pem' } }).catch((e: unknown) => e);
  assert.ok(tls instanceof ConfigError);
  assert.equal(tls.problems.length, 2, tls.problems.join('\n'));
  assert.match(tls.problems[1] ?? '', /--tls-cert and --tls-key go together/);
  // A watermark that is not a number is reported as such, without a comparison that cannot be made.
  const bad = await loadConfig({ flags: { 'cache-high-watermark': 'x' } }).catch((e: unknown) => e);
  assert.ok(bad instanceof ConfigError);
  assert.deepEqual(bad.problems, ['flag --cache-high-watermark: eviction.highWatermark: must be a whole number from 1 to 100']);
});

test('--cache-min-free takes a size or a percent of the file system, 5 % by default; 100 % or more is refused', async () => {
  assert.deepEqual((await loadConfig({})).eviction.minFree, { percent: 5 });
  assert.deepEqual((await loadConfig({ flags: { 'cache-min-free': '2GiB' } })).eviction.minFree, { bytes: 2 * 1024 ** 3 });
  assert.deepEqual((await loadConfig({ flags: { 'cache-min-free': '12.5%' } })).eviction.minFree, { percent: 12.5 });
  assert.deepEqual((await loadConfig({ flags: { 'cache-min-free': 'off' } })).eviction.minFree, { bytes: 0 });
  const err = await loadConfig({ flags: { 'cache-min-free': '100%' } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems, ['flag --cache-min-free: eviction.minFree: invalid size or percent "100%" (use e.g. 2GiB, 5%, 0)']);
});

test('an own checksum database name that would lead its folder out of the data directory is refused', async () => {
  const err = await loadConfig({ flags: { 'own-sumdb-name': 'corp.example/../../../tmp/x' } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.match(err.problems.join('\n'), /--own-sumdb-name: .*host\[\/path\]/);
});

test('an unreadable config file is reported, not thrown raw', async () => {
  const err = await loadConfig({ flags: { config: '/nonexistent/gmp.yaml' } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.equal(err.problems[0], 'config file /nonexistent/gmp.yaml: cannot read: no such file or directory (ENOENT)');
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const isDir = await loadConfig({ flags: { config: dir } }).catch((e: unknown) => e);
  assert.ok(isDir instanceof ConfigError);
  assert.equal(isDir.problems[0], `config file ${dir}: cannot read: illegal operation on a directory (EISDIR)`);
});

test('listen addresses parse as Go-style HOST:PORT', () => {
  assert.deepEqual(parseListen(':3000'), { host: '0.0.0.0', port: 3000 });
  assert.deepEqual(parseListen('127.0.0.1:80'), { host: '127.0.0.1', port: 80 });
  assert.deepEqual(parseListen('[::1]:8080'), { host: '::1', port: 8080 });
  assert.equal(parseListen('3000'), undefined);
  assert.equal(parseListen(':70000'), undefined);
});

test('the token and URL the client commands read from the environment are not taken for unknown settings', async () => {
  const config = await loadConfig({ flags: {}, env: { GOMODPROXY_TOKEN: 'gmp_secret', GOMODPROXY_URL: 'http://127.0.0.1:3000' } });
  assert.equal(config.upstream, 'https://proxy.golang.org');
});

test('a duration needs its unit, as in Go: a number alone is refused, except 0', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const file = path.join(dir, 'c.yaml');
  await writeFile(file, 'cache:\n  listTTL: 60\nhttp:\n  connectTimeout: 5\n');
  const err = await loadConfig({ flags: { config: file, 'negative-ttl': '5' } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join('\n');
  assert.match(text, /cache\.listTTL: invalid duration 60 \(use e\.g\. 250ms, 30s, 5m, 1h; a number needs its unit\)/);
  assert.match(text, /http\.connectTimeout: invalid duration 5/);
  assert.match(text, /flag --negative-ttl: cache\.negativeTTL: invalid duration "5"/);
  const zero = await loadConfig({ flags: { 'negative-ttl': '0', 'fill-deadline': '0s' } });
  assert.equal(zero.cache.negativeTTL, 0);
});

test('one value of a repeatable setting may be written alone in YAML; a number that is not one says what it must be', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const ok = path.join(dir, 'ok.yaml');
  await writeFile(ok, 'sumdb: off\n');
  assert.deepEqual((await loadConfig({ flags: { config: ok } })).sumdb, ['off']);
  const bad = path.join(dir, 'bad.yaml');
  await writeFile(bad, 'workers: two\n');
  const err = await loadConfig({ flags: { config: bad } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.match(err.problems.join('\n'), /workers: must be a whole number from 1 to \d+/);
});

test('a YAML value of the wrong kind says what the setting takes, not what the parser expected', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const file = path.join(dir, 'kinds.yaml');
  await writeFile(file, 'listen: 3000\ndata: 2024\nprivate: [a.example, b.example]\nsumdb: {a: 1}\ndashboard: yes\nauth:\n  mode: everyone\n');
  const err = await loadConfig({ flags: { config: file } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const at = `config file ${file}`;
  assert.deepEqual(err.problems.sort(), [
    `${at}: auth.mode: must be one of off, private, all`,
    `${at}: dashboard: must be on or off (or true or false)`,
    // An unquoted number is the text it reads as: here not an address (":3000" is).
    `${at}: listen: must be HOST:PORT or :PORT with a port from 0 to 65535`,
    `${at}: private: must be one value, not a list or a mapping (a list of patterns is one comma-separated value)`,
    `${at}: sumdb: must be a value or a list of values`,
  ]);
  // data: 2024 is the directory "2024".
  assert.equal((await loadConfig({ flags: { config: file, listen: ':3000', private: 'a.example', sumdb: 'off', dashboard: 'on', auth: 'off' } })).data, '2024');
});

test('a key written with nothing after it is said to have no value, whatever it holds; an empty --upstream is called empty', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-config-'));
  const file = path.join(dir, 'empty.yaml');
  await writeFile(file, 'upstream:\nhttp:\ncache:\n  listTTL:\n  memory:\n');
  const err = await loadConfig({ flags: { config: file } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const at = `config file ${file}`;
  const none = 'has no value: write one, or leave the key out for the default';
  assert.deepEqual(err.problems.sort(), [`${at}: cache.listTTL: ${none}`, `${at}: cache.memory: ${none}`, `${at}: http: ${none}`, `${at}: upstream: ${none}`]);
  const flag = await loadConfig({ flags: { upstream: '', 'private-upstream': ' , ' } }).catch((e: unknown) => e);
  assert.ok(flag instanceof ConfigError);
  assert.deepEqual(flag.problems.sort(), [
    // The go command's own words for a list of separators and spaces.
    'flag --private-upstream: privateUpstream: GOPROXY list is not the empty string, but contains no entries',
    'flag --upstream: upstream: the list is empty: give a proxy URL, direct or off',
  ]);
});

test('following index.golang.org without --follow-prefix is blamed on the setting that asked to follow it', async () => {
  const err = await loadConfig({ flags: { follow: 'https://index.golang.org' } }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  assert.deepEqual(err.problems, ['flag --follow: follow.urls: following index.golang.org needs --follow-prefix (which modules to mirror)']);
});

test('index.golang.org written with a trailing dot or in capitals still needs --follow-prefix', async () => {
  for (const follow of ['https://index.golang.org./index', 'https://INDEX.Golang.ORG/index', 'https://Index.Golang.Org.']) {
    const err = await loadConfig({ flags: { follow } }).catch((e: unknown) => e);
    assert.ok(err instanceof ConfigError, follow);
    assert.deepEqual(err.problems, ['flag --follow: follow.urls: following index.golang.org needs --follow-prefix (which modules to mirror)'], follow);
  }
});

test('a malformed glob in --private, --nosumdb or a policy rule is refused: it would silently match nothing', async () => {
  // --private 'corp.example.com/[team' would otherwise send every corp.example.com/team module to the public upstream.
  const err = await loadConfig({
    flags: { private: 'git.example.org,corp.example.com/[team', nosumdb: 'x.example\\', deny: 'bad.example/[a@<v1.0.0' },
  }).catch((e: unknown) => e);
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join('\n');
  assert.match(text, /flag --private: private: "corp\.example\.com\/\[team" is not a valid pattern/);
  assert.match(text, /flag --nosumdb: .*"x\.example\\\\" is not a valid pattern/);
  assert.match(text, /flag --deny: .*"bad\.example\/\[a" is not a valid pattern/);
  const ok = await loadConfig({ flags: { private: 'corp.example.com/[a-z]*,*.corp.example.net/', nosumdb: 'a\\*b' } });
  assert.equal(ok.private, 'corp.example.com/[a-z]*,*.corp.example.net/');
});

test('an --own-sumdb-base on a path the server already serves is refused, instead of a crash at start', async () => {
  for (const base of ['/ui', '/api', '/api/v1', '/index', '/hooks', '/sumdb', '/metrics']) {
    const err = await loadConfig({ flags: { 'own-sumdb-base': base } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError, base);
    assert.match(err.message, /flag --own-sumdb-base: ownSumdb\.base: must be a path like \/sumdb-own that does not clash with other endpoints/, base);
  }
  assert.equal((await loadConfig({ flags: { 'own-sumdb-base': '/own/sumdb' } })).ownSumdb.base, '/own/sumdb');
});

test('an --own-sumdb-name that a --sumdb database also has is refused: both would answer at /sumdb/<name>/', async () => {
  const err = await loadConfig({ flags: { 'own-sumdb-name': 'sum.golang.org' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ConfigError);
  assert.match(err.message, /flag --own-sumdb-name: ownSumdb\.name: sum\.golang\.org is also the name of a --sumdb database/);
  // An edge verifying against its central's own database while running its own under the same default name.
  const central = 'sum.gomodproxy.local+7bee5581+AW8XkV/z59BGVqVWyIhHPfYcGSeWL0MJp4pm4F0EmKS7 http://central.example:3000/sumdb/sum.gomodproxy.local';
  const edge = await loadConfig({ flags: { sumdb: central } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(edge instanceof ConfigError);
  assert.match(edge.message, /sum\.gomodproxy\.local is also the name of a --sumdb database .*--own-sumdb-name, or --own-sumdb off/);
  assert.equal((await loadConfig({ flags: { sumdb: central, 'own-sumdb-name': 'sum.edge.example' } })).ownSumdb.name, 'sum.edge.example');
  // Without the own database, or with another --sumdb, the name is free.
  assert.equal((await loadConfig({ flags: { 'own-sumdb-name': 'sum.golang.org', 'own-sumdb': 'off' } })).ownSumdb.name, 'sum.golang.org');
  assert.equal((await loadConfig({ flags: { 'own-sumdb-name': 'sum.golang.org', sumdb: 'off' } })).ownSumdb.name, 'sum.golang.org');
});
