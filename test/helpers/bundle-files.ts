// Bundle tampering for tests: a copy of a bundle (tar or tar.gz) with its entries edited, dropped or added,
// and what a data directory holds afterwards, to show that a refused bundle stored nothing.
import { createReadStream } from 'node:fs';
import { mkdtemp, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { readTar } from '../../src/bundle/tar-read.js';
import { tarStream } from '../../src/bundle/tar-write.js';
import type { TarEntry } from '../../src/bundle/tar-write.js';

/** A plain-tar copy of bundle in a fresh directory under dir, its entries passed through edit (undefined drops one), plus extra. */
export async function rewriteBundle(
  bundle: string,
  dir: string,
  edit: (name: string, data: Buffer) => Buffer | undefined,
  extra: TarEntry[] = [],
): Promise<string> {
  async function* entries(): AsyncGenerator<TarEntry> {
    const raw: Readable = createReadStream(bundle);
    for await (const f of readTar(bundle.endsWith('.gz') ? raw.pipe(createGunzip()) : raw)) {
      const parts: Buffer[] = [];
      for await (const c of f.body) parts.push(c);
      const data = edit(f.name, Buffer.concat(parts));
      if (data !== undefined) yield { name: f.name, data };
    }
    yield* extra;
  }
  const parts: Buffer[] = [];
  for await (const c of tarStream(entries())) parts.push(c);
  const out = path.join(await mkdtemp(path.join(dir, 'x-')), 'tampered.tar');
  await writeFile(out, Buffer.concat(parts));
  return out;
}

/** The names of the files anywhere under dir (none when it does not exist). */
export async function filesUnder(dir: string): Promise<string[]> {
  const names = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return names.filter((d) => d.isFile()).map((d) => d.name);
}

/** data with one bit of one byte changed. */
export const flip = (data: Buffer, at: number): Buffer => {
  const copy = Buffer.from(data);
  copy[at] = (copy[at] as number) ^ 0x01;
  return copy;
};
