// Export, second pass: the bundle itself, streamed. The manifest first, then the checksum proofs, then per
// module its list, .info, .mod and zip; each zip is downloaded to a temp file, checked by the zip rules and
// against the manifest's h1, and streamed into the tar. The file appears under its name only when complete.
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, createGzip } from 'node:zlib';
import type { Progress } from '../content/progress.js';
import type { ProxyAccess } from '../content/proxy-access.js';
import { checkAndHashZip } from '../modzip/zip-check.js';
import { formatList } from '../protocol/answers.js';
import { sortVersions } from '../protocol/semver.js';
import { formatRecord } from '../sumdb/tree-note.js';
import type { Collection } from './export-collect.js';
import { cacheEntry, FORMAT, listEntry, MANIFEST, sumdbEntry } from './manifest.js';
import type { Manifest } from './manifest.js';
import { tarStream } from './tar-write.js';
import type { TarEntry } from './tar-write.js';

export interface WriteOptions {
  readonly source: string;
  readonly progress: Progress;
  readonly tempFile: () => string;
  readonly signal?: AbortSignal;
}

export const isGzipName = (file: string): boolean => /\.(gz|tgz)$/.test(file);

export async function writeBundle(access: ProxyAccess, c: Collection, out: string, opts: WriteOptions): Promise<Manifest> {
  const manifest: Manifest = {
    format: FORMAT,
    created: new Date().toISOString(),
    source: opts.source,
    databases: c.dbs.map((d) => ({ name: d.name, tree: d.tree.n })),
    modules: c.modules.map((m) => m.entry),
  };
  const partial = `${out}.partial-${process.pid}`;
  const tar = Readable.from(tarStream(entries(access, c, manifest, opts)));
  const file = createWriteStream(partial);
  try {
    // Zips are compressed already: the fastest level saves nearly as much as the best.
    if (isGzipName(out)) await pipeline(tar, createGzip({ level: constants.Z_BEST_SPEED }), file, { signal: opts.signal });
    else await pipeline(tar, file, { signal: opts.signal });
    await rename(partial, out);
  } catch (err) {
    await rm(partial, { force: true });
    throw err;
  }
  return manifest;
}

async function* entries(access: ProxyAccess, c: Collection, manifest: Manifest, opts: WriteOptions): AsyncGenerator<TarEntry> {
  yield { name: MANIFEST, data: Buffer.from(`${JSON.stringify(manifest, null, 1)}\n`) };
  for (const db of c.dbs) {
    yield { name: sumdbEntry(db.name, 'latest'), data: db.head };
    for (const [rel, r] of db.records) yield { name: sumdbEntry(db.name, rel), data: formatRecord(r.id, r.text) };
    for (const [rel, data] of db.tiles) yield { name: sumdbEntry(db.name, rel), data };
  }
  for (const [i, m] of c.modules.entries()) {
    const { path, version } = m.entry;
    if (c.modules[i - 1]?.entry.path !== path) {
      const versions = c.modules.filter((x) => x.entry.path === path).map((x) => x.entry.version);
      yield { name: listEntry(path), data: Buffer.from(formatList(sortVersions(versions))) };
    }
    yield { name: cacheEntry(path, version, 'info'), data: m.info };
    yield { name: cacheEntry(path, version, 'mod'), data: m.mod };
    const file = opts.tempFile();
    try {
      const size = await access.downloadZip(path, version, file, opts.signal);
      const { h1 } = await checkAndHashZip(file, path, version);
      if (h1 !== m.entry.zip || size !== m.entry.zipSize) {
        throw new Error(`${path}@${version}: the zip changed during the export (${h1}, ${size} bytes; expected ${m.entry.zip}, ${m.entry.zipSize} bytes)`);
      }
      yield { name: cacheEntry(path, version, 'zip'), file, size };
      opts.progress.item({ name: `${path}@${version}`, bytes: size + m.info.length + m.mod.length });
    } finally {
      await rm(file, { force: true });
    }
  }
}
