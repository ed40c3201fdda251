// Starts gomodproxy in-process on 127.0.0.1 with a temp data directory, for integration tests.
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { loadConfig } from '../../src/config/load.js';
import { createServer } from '../../src/app/compose.js';
import type { Server } from '../../src/app/compose.js';

export interface RunningProxy {
  readonly url: string;
  readonly server: Server;
  readonly dataDir: string;
  get(p: string, headers?: Record<string, string>): Promise<Response>;
  /** Sends the path exactly as written (fetch would normalise `..` and `%2e%2e` away). */
  raw(p: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
}

export async function startProxy(
  flags: Record<string, string | string[]>,
  opts: { dataDir?: string; logger?: import('pino').Logger } = {},
): Promise<RunningProxy> {
  const dataDir = opts.dataDir ?? (await mkdtemp(path.join(tmpdir(), 'gmp-data-')));
  const config = await loadConfig({
    // Read-ahead off unless asked for: tests count what the upstream was asked, and read-ahead asks in the
    // background at times no test controls (test/read-ahead.test.ts covers it, and the go command's suites).
    flags: {
      data: dataDir,
      listen: '127.0.0.1:0',
      'log-level': 'silent',
      retries: '0',
      'negative-ttl': '0s',
      sumdb: 'off',
      'own-sumdb': 'off',
      'read-ahead': '0',
      ...flags,
    },
    env: {},
  });
  const server = await createServer(config, { defaultMetrics: false, ...(opts.logger === undefined ? {} : { logger: opts.logger }) });
  await server.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = server.app.server.address() as AddressInfo;
  const url = `${flags['tls-cert'] === undefined ? 'http' : 'https'}://127.0.0.1:${port}`;
  return {
    url,
    server,
    dataDir,
    get: (p, headers) => fetch(url + p, { headers }),
    raw: (p) => rawGet(port, p),
    close: async () => {
      await server.close();
      if (opts.dataDir === undefined) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function rawGet(port: number, p: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: p, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
