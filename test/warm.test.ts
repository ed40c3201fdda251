// gomodproxy warm: the exact versions of a go.sum, or the requirement graph of a go.mod, filled through the
// data directory's own fill path; failures are listed by module and make the exit status 1.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { hashGoMod } from '../src/modzip/dirhash.js';
import { checkAndHashZip } from '../src/modzip/zip-check.js';
import { artifactKey } from '../src/storage/keys.js';
import { dataPaths } from '../src/storage/data-dirs.js';
import { captureIO } from './helpers/cli-io.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

let tmp: string;
let up: FakeUpstream;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-warm-'));
  const dep = (v: string, req: string) => ({ version: v, files: { 'go.mod': `module example.com/dep\n\ngo 1.19\n${req}`, 'd.go': 'package dep\n' } });
  await writeGoproxyDir(path.join(tmp, 'up'), [
    // lib v1.0.0 needs dep v1.1.0; dep v1.1.0 needs leaf v1.0.0; the root asks for dep v1.0.0 itself.
    {
      path: 'example.com/lib',
      versions: [{ version: 'v1.0.0', files: { 'go.mod': 'module example.com/lib\n\ngo 1.19\n\nrequire example.com/dep v1.1.0\n', 'l.go': 'package lib\n' } }],
    },
    { path: 'example.com/dep', versions: [dep('v1.0.0', ''), dep('v1.1.0', '\nrequire example.com/leaf v1.0.0\n')] },
    { path: 'example.com/leaf', versions: [{ version: 'v1.0.0', files: { 'f.go': 'package leaf\n' } }] },
  ]);
  up = await startFakeUpstream(path.join(tmp, 'up'));
});
after(() => up.close());

async function warm(args: string[], dataDir: string) {
  const c = captureIO();
  const code = await main(['warm', ...args, '--data', dataDir, '--upstream', up.url, '--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'silent'], c.io);
  return { code, ...c.text };
}

const has = (dataDir: string, p: string, v: string, ext: 'zip' | 'mod') =>
  stat(path.join(dataPaths(dataDir).cache, artifactKey(p, v, ext))).then(
    () => true,
    () => false,
  );

test('a go.mod is warmed by its requirement graph: every .mod reached, the zips of the selected versions only', async () => {
  const dir = await mkdtemp(path.join(tmp, 'mod-'));
  const gomod = path.join(dir, 'go.mod');
  await writeFile(gomod, 'module example.com/app\n\ngo 1.19\n\nrequire (\n\texample.com/lib v1.0.0\n\texample.com/dep v1.0.0\n)\n');
  const data = path.join(dir, 'data');
  const r = await warm(['--from', gomod, '-c', '2'], data);
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /warmed 4 of 4 module versions/);
  for (const [p, v] of [
    ['example.com/lib', 'v1.0.0'],
    ['example.com/dep', 'v1.1.0'],
    ['example.com/leaf', 'v1.0.0'],
  ] as const) {
    assert.ok(await has(data, p, v, 'zip'), `${p}@${v} zip`);
  }
  // dep v1.0.0 loses to v1.1.0 in minimal version selection: its .mod is read, its zip is not needed.
  assert.ok(await has(data, 'example.com/dep', 'v1.0.0', 'mod'));
  assert.equal(await has(data, 'example.com/dep', 'v1.0.0', 'zip'), false);
});

test('named versions and a list are warmed exactly; a version that does not exist fails by name with exit status 1', async () => {
  const dir = await mkdtemp(path.join(tmp, 'list-'));
  const list = path.join(dir, 'modules.txt');
  await writeFile(list, 'example.com/leaf@v1.0.0\nexample.com/nope@v1.9.9\n');
  const data = path.join(dir, 'data');
  const r = await warm(['example.com/dep@v1.0.0', '--from', list], data);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok {3}example\.com\/dep@v1\.0\.0 \(/m);
  assert.match(r.stdout, /warmed 2 of 3 module versions/);
  assert.match(r.stdout, /1 failed:\n {2}example\.com\/nope@v1\.9\.9: not found/);
  assert.ok(await has(data, 'example.com/dep', 'v1.0.0', 'zip'));
  assert.ok(await has(data, 'example.com/leaf', 'v1.0.0', 'zip'));
});

test('warm without versions, or with a bad --url, is a usage error', async () => {
  const data = await mkdtemp(path.join(tmp, 'usage-'));
  const none = await warm([], data);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /name module versions/);
  const bad = await warm(['example.com/leaf@v1.0.0', '--url', 'ftp://x'], data);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--url/);
});

test('a go.sum is warmed and checked: a version whose zip or go.mod hash disagrees with it fails by name', async () => {
  const dir = await mkdtemp(path.join(tmp, 'sum-'));
  const v = (p: string, ver: string) => path.join(tmp, 'up', p, '@v', ver);
  const leafZip = (await checkAndHashZip(`${v('example.com/leaf', 'v1.0.0')}.zip`, 'example.com/leaf', 'v1.0.0')).h1;
  const leafMod = hashGoMod(await readFile(`${v('example.com/leaf', 'v1.0.0')}.mod`));
  const depMod = hashGoMod(await readFile(`${v('example.com/dep', 'v1.0.0')}.mod`));
  const other = 'h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
  const gosum = path.join(dir, 'go.sum');
  await writeFile(
    gosum,
    [
      `example.com/leaf v1.0.0 ${leafZip}`,
      `example.com/leaf v1.0.0/go.mod ${leafMod}`,
      // A zip the go.sum does not know: a go build against this cache would fail on it.
      `example.com/dep v1.0.0 ${other}`,
      `example.com/dep v1.0.0/go.mod ${depMod}`,
      `example.com/dep v1.1.0/go.mod ${other}`,
      '',
    ].join('\n'),
  );
  for (const via of ['data', 'url'] as const) {
    const data = path.join(dir, `data-${via}`);
    let r: Awaited<ReturnType<typeof warm>>;
    if (via === 'data') r = await warm(['--from', gosum], data);
    else {
      const proxy = await startProxy({ upstream: up.url, sumdb: 'off' });
      try {
        r = await warm(['--from', gosum, '--url', proxy.url], data);
      } finally {
        await proxy.close();
      }
    }
    assert.equal(r.code, 1, `${via}: ${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /warmed 1 of 3 module versions/, via);
    // Said of where the bytes are: the data directory, where no proxy is involved, or the proxy asked.
    const holder = via === 'data' ? `data directory ${data}` : 'http://127\\.0\\.0\\.1:\\d+';
    assert.match(
      r.stdout,
      new RegExp(`example\\.com/dep@v1\\.0\\.0: checksum mismatch with the go\\.sum: its zip hash is h1:AAAA\\S*, ${holder} holds h1:`),
      via,
    );
    assert.match(
      r.stdout,
      new RegExp(`example\\.com/dep@v1\\.1\\.0: checksum mismatch with the go\\.sum: its go\\.mod hash is h1:AAAA\\S*, ${holder} holds h1:`),
      via,
    );
  }
});
