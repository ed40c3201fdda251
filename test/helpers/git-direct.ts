// A DirectSource over the fixture git server with a temp data directory, plus small readers for its
// answers (zip entry names and contents), for tests that check direct mode without the go command.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { DirectSource } from '../../src/vcs/direct-source.js';
import type { DirectSourceOptions } from '../../src/vcs/direct-source.js';
import type { Staged } from '../../src/storage/types.js';
import { HOST } from './git-fixtures.js';

export interface TestDirect {
  readonly source: DirectSource;
  readonly dataDir: string;
  /** The zip of module@version: entry name → content (names without the module@version/ prefix). */
  zipFiles(modulePath: string, version: string): Promise<Map<string, Buffer>>;
  close(): Promise<void>;
}

export async function startDirect(gitServerUrl: string, extra: Partial<DirectSourceOptions> = {}): Promise<TestDirect> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-direct-'));
  const source = new DirectSource({
    dataDir,
    refreshIntervalMs: 60_000,
    gitTimeoutMs: 60_000,
    rewrite: [`https://${HOST}/=${gitServerUrl}/`],
    ...extra,
  });
  let n = 0;
  const stage = async (): Promise<Staged> => {
    const p = path.join(dataDir, `staged-${n++}.zip`);
    return { path: p, commit: async () => {}, discard: () => rm(p, { force: true }) };
  };
  return {
    source,
    dataDir,
    zipFiles: async (modulePath, version) => {
      const art = await source.zip(modulePath, version, stage);
      return readZip(art.staged.path, `${modulePath}@${version}/`);
    },
    close: async () => {
      await source.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export async function readZip(file: string, prefix: string): Promise<Map<string, Buffer>> {
  const data = await readFile(file);
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(data, { lazyEntries: true }, (err, zip) => {
      if (err) return reject(err);
      const out = new Map<string, Buffer>();
      zip.on('entry', (e: yauzl.Entry) => {
        zip.openReadStream(e, (err2, s) => {
          if (err2) return reject(err2);
          const chunks: Buffer[] = [];
          s.on('data', (c: Buffer) => chunks.push(c));
          s.on('end', () => {
            out.set(e.fileName.startsWith(prefix) ? e.fileName.slice(prefix.length) : `!${e.fileName}`, Buffer.concat(chunks));
            zip.readEntry();
          });
        });
      });
      zip.on('end', () => resolve(out));
      zip.readEntry();
    });
  });
}
