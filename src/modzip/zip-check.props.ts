// Fuzz properties for module zip checking (zip-check.ts, go-module-protocols.md §5.4, §6): random and damaged
// zips never crash or hang, nothing outside `<module>@<version>/` is ever accepted, a valid zip's h1 is its dirhash.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import yauzl from 'yauzl';
import { fuzz } from '../fuzz/property.js';
import { damagedZip, hostileZip, makeZip, validZip, withZipFile } from '../fuzz/zip-recipes.js';
import type { Tree } from '../fuzz/zip-recipes.js';
import { checkFilePath } from '../protocol/module-path.js';
import { hash1, hashGoMod } from './dirhash.js';
import { cleanPath } from './path-clean.js';
import { checkAndHashZip, ModZipError, nextEntry } from './zip-check.js';
import type { ZipCheckResult } from './zip-check.js';
import { buildZip, setCrc, setDeclaredSize } from './zip-test-helpers.js';

/** Runs the checker on the bytes: the result, or the ModZipError it threw (anything else fails the property). */
export async function check(zip: Buffer, mod: string, version: string): Promise<ZipCheckResult | ModZipError> {
  return withZipFile(zip, async (file) => {
    try {
      return await checkAndHashZip(file, mod, version);
    } catch (err) {
      assert.ok(err instanceof ModZipError, `not a ModZipError: ${String(err)}`);
      assert.ok(err.message.length > 0);
      return err;
    }
  });
}

/**
 * Every entry's name and content, read back with plain yauzl: what the checker's answer must describe. Names are
 * the raw bytes as UTF-8, as Go reads them whatever the UTF-8 flag says (yauzl would decode CP437 without it).
 */
async function readBack(zip: Buffer): Promise<Array<{ name: string; content: Buffer }>> {
  const z = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(zip, { lazyEntries: true, decodeStrings: false, validateEntrySizes: true }, (err, f) => (err ? reject(err) : resolve(f))),
  );
  const out: Array<{ name: string; content: Buffer }> = [];
  for (let e = await nextEntry(z); e !== undefined; e = await nextEntry(z)) {
    const stream = await new Promise<NodeJS.ReadableStream>((resolve, reject) => z.openReadStream(e, (err, s) => (err ? reject(err) : resolve(s))));
    const chunks: Buffer[] = [];
    for await (const c of stream as AsyncIterable<Buffer>) chunks.push(c);
    out.push({ name: e.fileNameRaw.toString('utf8'), content: Buffer.concat(chunks) });
  }
  z.close();
  return out;
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest();

/** What an accepted zip must satisfy: every name under the prefix and clean, h1 the dirhash of what it holds. */
async function assertSound(zip: Buffer, prefix: string, result: ZipCheckResult): Promise<void> {
  const entries = await readBack(zip);
  for (const { name } of entries) {
    assert.ok(name.startsWith(prefix), `accepted ${JSON.stringify(name)} outside ${prefix}`);
    const rel = name.slice(prefix.length).replace(/\/$/, '');
    if (rel !== '') assert.ok(cleanPath(rel) === rel && checkFilePath(rel) === undefined && !rel.startsWith('/'), `accepted ${JSON.stringify(name)}`);
  }
  assert.equal(result.h1, hash1(entries.map((e) => ({ name: e.name, sha256: sha256(e.content) }))));
  assert.equal(result.entries, entries.length);
}

export const zipProperties = [
  fuzz(
    'a valid module zip is accepted, and its h1 is the dirhash of its entry names and contents',
    80,
    () =>
      fc.asyncProperty(validZip, async (z) => {
        const [entries, t] = [z.entries, z.tree];
        const result = await check(await makeZip(z), z.mod, z.version);
        assert.ok(!(result instanceof ModZipError), String(result));
        const files = entries.map((e) => ({ name: e.name, sha256: sha256(Buffer.from(e.content ?? '')) }));
        assert.equal(result.h1, hash1(files));
        assert.equal(result.entries, entries.length);
        assert.equal(
          result.uncompressedSize,
          t.files.reduce((n, f) => n + f.content.length, 0),
        );
        const goMod = t.files.find((f) => f.name === 'go.mod');
        assert.equal(result.goModH1, goMod === undefined ? undefined : hashGoMod(goMod.content));
      }),
    20_000,
  ),

  fuzz(
    'random bytes are refused with a ModZipError that says why, never a crash or a hang',
    100,
    () =>
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 600 }).map((b) => Buffer.from(b)),
          fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.concat([Buffer.from('PK\x03\x04'), b, Buffer.from('PK\x05\x06'), Buffer.alloc(18)])),
        ),
        async (bytes) => {
          const result = await check(bytes, 'example.com/m', 'v1.0.0');
          if (!(result instanceof ModZipError)) await assertSound(bytes, 'example.com/m@v1.0.0/', result);
        },
      ),
    20_000,
  ),

  fuzz(
    'a damaged valid zip is refused with a ModZipError, or accepted only with clean names under the prefix and an h1 of what it holds',
    150,
    () =>
      fc.asyncProperty(damagedZip, async (z) => {
        const zip = await makeZip(z);
        const result = await check(zip, z.mod, z.version);
        if (!(result instanceof ModZipError)) await assertSound(zip, z.prefix, result);
      }),
    20_000,
  ),

  fuzz(
    'an entry named outside the prefix, unclean, absolute, colliding, duplicated or otherwise invalid is always refused',
    120,
    () =>
      fc.asyncProperty(hostileZip, async (z) => {
        const zip = await makeZip(z);
        const result = await check(zip, z.mod, z.version);
        assert.ok(result instanceof ModZipError, `accepted ${JSON.stringify(z.hostile?.toString())}`);
      }),
    20_000,
  ),

  fuzz(
    'a declared size or a (non-zero) CRC that disagrees with the data, however large, is refused',
    80,
    () =>
      fc.asyncProperty(
        validZip.filter((z) => z.tree.files.length > 0),
        fc.nat(),
        fc.oneof(fc.constantFrom(0, 1, 0xffffffff, 0xfffffffe, 16777217, 524288001), fc.nat({ max: 0xffffffff })),
        fc.boolean(),
        async (z, pick, value, crc) => {
          const f = z.tree.files[pick % z.tree.files.length] as Tree['files'][number];
          const zip = await buildZip(z.entries, { zip64: false });
          const actual = crc ? crc32(f.content) : f.content.length;
          // Go's reader compares the CRC only "if it seems like it was set", that is not 0; so does ours.
          if (value === actual || (crc && value === 0)) return;
          const bad = crc ? setCrc(zip, z.prefix + f.name, value) : setDeclaredSize(zip, z.prefix + f.name, value);
          const result = await check(bad, z.mod, z.version);
          assert.ok(result instanceof ModZipError, `accepted ${crc ? 'CRC' : 'size'} ${value} for ${f.name}`);
        },
      ),
    20_000,
  ),
];
