// Eviction end to end: 20 MiB of modules through a proxy capped at 5 MiB stays under the cap (plus one
// zip); pinned, private and bundled-style protected versions stay; an evicted zip comes back checked against
// the h1 kept when it was first stored, and an upstream that now serves other bytes is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { main } from '../src/cli/main.js';
import { dataPaths } from '../src/storage/data-dirs.js';
import { captureIO } from './helpers/cli-io.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import { writeGoproxyDir, writeZip } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

const MiB = 1024 * 1024;
const names = Array.from({ length: 20 }, (_, i) => `example.com/m${String(i).padStart(2, '0')}`);
const PRIVATE = 'corp.example/secret';
// Random bytes do not compress: each zip is a little over 1 MiB.
const big = () => ({ version: 'v1.0.0', files: { 'data.bin': randomBytes(MiB), 'x.go': 'package x\n' } });

async function cacheBytes(dir: string): Promise<{ total: number; zips: string[] }> {
  let total = 0;
  const zips: string[] = [];
  for (const d of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!d.isFile()) continue;
    const file = path.join(d.parentPath, d.name);
    total += (await stat(file)).size;
    if (d.name.endsWith('.zip')) zips.push(path.relative(dir, file).split('/@v/')[0] as string);
  }
  return { total, zips: zips.sort() };
}

test('a 5 MiB cap holds while 20 MiB are filled; protected versions stay; an evicted zip returns checked against its kept h1', async () => {
  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-evict-'));
  const fixtures = await writeGoproxyDir(
    path.join(tmp, 'up'),
    [...names, PRIVATE].map((p) => ({ path: p, versions: [big()] })),
  );
  const up = await startFakeUpstream(fixtures);
  const dataDir = path.join(tmp, 'data');
  const c = captureIO();
  assert.equal(await main(['pin', 'example.com/m00@v1.0.0', '--data', dataDir], c.io), 0, c.text.stderr);
  const proxy = await startProxy(
    { upstream: up.url, private: PRIVATE, 'private-upstream': up.url, 'cache-max-size': '5MiB', 'cache-high-watermark': '95', 'cache-low-watermark': '85' },
    { dataDir },
  );
  let stored = 0;
  proxy.server.events.on('filled', (e) => void (e.kind === 'zip' && stored++));
  const zipsStored = async (n: number) => {
    while (stored < n) await new Promise((r) => setTimeout(r, 10));
  };
  try {
    const originals = new Map<string, Buffer>();
    for (const p of [PRIVATE, ...names]) {
      // As the go command asks: .info and .mod, then the zip.
      for (const ext of ['info', 'mod']) assert.equal((await proxy.get(`/${p}/@v/v1.0.0.${ext}`)).status, 200);
      const res = await proxy.get(`/${p}/@v/v1.0.0.zip`);
      assert.equal(res.status, 200, p);
      originals.set(p, Buffer.from(await res.arrayBuffer()));
    }
    // Passes start behind the fills, once each zip is stored: wait for the last ones, then one more pass settles
    // whatever they added (a zip stored after that pass would start another one, deleting while we look).
    await zipsStored(names.length + 1);
    await proxy.server.content.evictor?.kick();
    const cache = dataPaths(dataDir).cache;
    const { total, zips } = await cacheBytes(cache);
    const largest = Math.max(...[...originals.values()].map((b) => b.length));
    assert.ok(total <= 5 * MiB + largest, `${total} bytes stored under a 5 MiB cap`);
    assert.ok(zips.length < names.length, `${zips.length} zips kept: something was evicted`);
    assert.ok(zips.includes('example.com/m00'), 'the pinned version stays');
    assert.ok(zips.includes('corp.example/secret'), 'the private module stays');
    const gone = names.find((n) => !zips.includes(n)) as string;
    // .mod, .info and the h1 of an evicted version stay.
    for (const ext of ['mod', 'info', 'ziphash']) await stat(path.join(cache, gone, '@v', `v1.0.0.${ext}`));

    // Asked again, the evicted zip is fetched again and is the same zip.
    const again = await proxy.get(`/${gone}/@v/v1.0.0.zip`);
    assert.equal(again.status, 200, `${gone}: ${await again.clone().text()}`);
    assert.ok(Buffer.from(await again.arrayBuffer()).equals(originals.get(gone) as Buffer));

    // An upstream that now serves another (valid) zip for an evicted version is refused (Athens #1547).
    await zipsStored(names.length + 2);
    await proxy.server.content.evictor?.kick();
    const evicted = names.filter((n) => n !== gone && n !== 'example.com/m00');
    const after = (await cacheBytes(cache)).zips;
    const victim = evicted.find((n) => !after.includes(n)) as string;
    const other = path.join(tmp, 'other.zip');
    await writeZip(other, `${victim}@v1.0.0/`, { 'go.mod': `module ${victim}\n\ngo 1.19\n`, 'x.go': 'package x // changed\n' });
    up.faults.set(`/${victim}/@v/v1.0.0.zip`, { kind: 'body', body: await readFile(other) });
    const changed = await proxy.get(`/${victim}/@v/v1.0.0.zip`);
    const text = await changed.text();
    assert.equal(changed.status, 502, text);
    assert.match(text, /checksum mismatch/);
    assert.ok(!(await cacheBytes(cache)).zips.includes(victim), 'nothing was stored for it');
    // The refused bytes are kept for inspection, byte for byte (this zip is small: checked from memory).
    const kept = await readdir(path.join(dataDir, 'quarantine'), { recursive: true });
    const quarantined = kept.filter((f) => /@v1\.0\.0\.zip\.[0-9a-f]{16}$/.test(f));
    assert.equal(quarantined.length, 1, kept.join(', '));
    assert.deepEqual(await readFile(path.join(dataDir, 'quarantine', quarantined[0] as string)), await readFile(other));
  } finally {
    await proxy.close();
    await up.close();
  }
});
