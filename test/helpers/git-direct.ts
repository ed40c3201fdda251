// A DirectSource over the fixture git server with a temp data directory, plus small readers for its
// answers (zip entry names and contents), for tests that check direct mode without the go command.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import yauzl from 'yauzl';
import { Scratch } from '../../src/storage/scratch.js';
import { DirectSource } from '../../src/vcs/direct-source.js';
import type { DirectSourceOptions } from '../../src/vcs/direct-source.js';
import { HOST } from './git-fixtures.js';

/** The raw direct source read the way tests check it: lists as versions, .info as parsed JSON. */
export interface ReadableDirect {
  list(modulePath: string): Promise<string[]>;
  info(modulePath: string, query: string): Promise<{ Version: string; Time?: string; Origin?: Record<string, string> }>;
  mod(modulePath: string, version: string): Promise<Buffer>;
  zip(modulePath: string, version: string, file: string): Promise<number>;
  readonly mirrorFetches: number;
}

export interface TestDirect {
  readonly source: ReadableDirect;
  readonly raw: DirectSource;
  readonly dataDir: string;
  /** The instance's scratch area (`<dataDir>/tmp`, as a server has it), where git writes a zip's archive. */
  readonly scratch: Scratch;
  /** The zip of module@version: entry name → content (names without the module@version/ prefix). */
  zipFiles(modulePath: string, version: string): Promise<Map<string, Buffer>>;
  close(): Promise<void>;
}

export async function startDirect(gitServerUrl: string, extra: Partial<DirectSourceOptions> = {}): Promise<TestDirect> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'gmp-direct-'));
  const { scratch } = await Scratch.open(path.join(dataDir, 'tmp'));
  const raw = new DirectSource({
    vcsDir: path.join(dataDir, 'vcs'),
    refreshIntervalMs: 60_000,
    gitTimeoutMs: 60_000,
    rewrite: [`https://${HOST}/=${gitServerUrl}/`],
    scratchFile: (label) => scratch.file(label).path,
    ...extra,
  });
  let n = 0;
  const source: ReadableDirect = {
    list: async (m) =>
      (await raw.list(m))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== ''),
    info: async (m, q) => JSON.parse((await raw.info(m, q)).toString('utf8')),
    mod: (m, v) => raw.mod(m, v),
    zip: async (m, v, file) => (await raw.zip(m, v, file)).size,
    get mirrorFetches() {
      return raw.mirrorFetches;
    },
  };
  return {
    source,
    raw,
    dataDir,
    scratch,
    zipFiles: async (modulePath, version) => {
      const file = path.join(dataDir, `zip-${n++}.zip`);
      await raw.zip(modulePath, version, file);
      return readZip(file, `${modulePath}@${version}/`);
    },
    close: async () => {
      await raw.close();
      await scratch.close();
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
