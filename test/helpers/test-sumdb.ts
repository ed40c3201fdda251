// A checksum database for tests, built with our own sumdb code and a signer key made here: it serves
// /latest, /lookup and /tile on 127.0.0.1 with records hashed from a GOPROXY-layout fixture directory,
// and can be told to fork (sign a different history under the same key).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { GmpError } from '../../src/errors.js';
import { hashGoMod } from '../../src/modzip/dirhash.js';
import { checkAndHashZip } from '../../src/modzip/zip-check.js';
import { escapePath, escapeVersion } from '../../src/protocol/escape.js';
import { MemoryLogStorage } from '../../src/sumdb/log-storage.js';
import { generateKey } from '../../src/sumdb/note-keys.js';
import { serveSumdbPath } from '../../src/sumdb/server-dispatch.js';
import { ServerLog } from '../../src/sumdb/server-log.js';

export interface TestSumdb {
  readonly url: string;
  readonly name: string;
  /** The verifier key: what GOSUMDB and --sumdb take. */
  readonly key: string;
  /** `--sumdb` / GOSUMDB value with the URL. */
  readonly gosumdb: string;
  /** Requests seen, by path. */
  readonly hits: string[];
  /** The log being served (records can be added directly). */
  readonly log: ServerLog;
  /** The go.sum lines for a version of the fixture directory. */
  gosum(modulePath: string, version: string): Promise<Buffer | undefined>;
  /** Replaces the log with another history signed by the same key (records in another order, one extra). */
  fork(): Promise<void>;
  /** Serves the history from before fork() again (as a database whose operator undid the fork). */
  unfork(): void;
  close(): Promise<void>;
}

export async function startTestSumdb(goproxyDir: string, name = 'sum.test.example'): Promise<TestSumdb> {
  const { signerKey, verifierKey } = generateKey(name);
  const gosum = async (modulePath: string, version: string): Promise<Buffer | undefined> => {
    const base = path.join(goproxyDir, escapePath(modulePath), '@v', escapeVersion(version));
    try {
      const { h1 } = await checkAndHashZip(`${base}.zip`, modulePath, version);
      const mod = await readFile(`${base}.mod`);
      return Buffer.from(`${modulePath} ${version} ${h1}\n${modulePath} ${version}/go.mod ${hashGoMod(mod)}\n`);
    } catch {
      return undefined;
    }
  };
  let log = new ServerLog(new MemoryLogStorage(), signerKey, { gosum });
  let original = log;
  const hits: string[] = [];
  const server = createServer((req, res) => {
    const p = decodeURIComponent((req.url ?? '/').split('?')[0] as string);
    hits.push(p);
    serveSumdbPath(log, p)
      .then((r) => res.writeHead(200, { 'content-type': r.contentType }).end(r.body))
      .catch((err: unknown) => {
        const status = err instanceof GmpError ? err.status : 500;
        res.writeHead(status, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    name,
    key: verifierKey,
    gosumdb: `${verifierKey} ${url}`,
    hits,
    get log() {
      return log;
    },
    gosum,
    fork: async () => {
      const forked = new ServerLog(new MemoryLogStorage(), signerKey, { gosum });
      await forked.add([
        { path: 'example.com/fork', version: 'v1.0.0', text: Buffer.from('example.com/fork v1.0.0 h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n') },
      ]);
      original = log;
      log = forked;
    },
    unfork: () => {
      log = original;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
