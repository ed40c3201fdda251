// The soak suite's upstream: a GOPROXY on 127.0.0.1 that makes up any module under soak.example/ on request
// (deterministic bytes), so fills never run out during a ten-minute run; it counts the zips it serves.
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildZip } from '../src/modzip/zip-test-helpers.js';

export interface SoakUpstream {
  readonly url: string;
  /** Zips served so far: each is one fill by the proxy. */
  readonly zips: () => number;
  close(): Promise<void>;
}

const VERSION = 'v1.0.0';
const TIME = '2024-01-02T03:04:05Z';
const PATH = /^\/(soak\.example\/(hot|cold)\/([a-z0-9]+))\/@v\/(list|v1\.0\.0\.(?:info|mod|zip))$/;

export const hotModule = (i: number): string => `soak.example/hot/m${i}`;

/** Payload bytes: 1–32 KiB for hot module m<i> (by its number), 4 KiB for every cold one. */
function payload(mod: string, kind: string, name: string): Buffer {
  const size = kind === 'hot' ? 1024 * (1 + (Number(name.slice(1)) % 32)) : 4096;
  const block = createHash('sha256').update(mod).digest();
  return Buffer.concat(Array.from({ length: Math.ceil(size / block.length) }, () => block)).subarray(0, size);
}

async function answer(mod: string, kind: string, name: string, file: string): Promise<[string, Buffer]> {
  const goMod = `module ${mod}\n\ngo 1.19\n`;
  if (file === 'list') return ['text/plain; charset=utf-8', Buffer.from(`${VERSION}\n`)];
  if (file.endsWith('.info')) return ['application/json', Buffer.from(JSON.stringify({ Version: VERSION, Time: TIME }))];
  if (file.endsWith('.mod')) return ['text/plain; charset=utf-8', Buffer.from(goMod)];
  const prefix = `${mod}@${VERSION}/`;
  const zip = await buildZip([
    { name: `${prefix}go.mod`, content: goMod },
    { name: `${prefix}p.go`, content: 'package p\n' },
    { name: `${prefix}data.bin`, content: payload(mod, kind, name), compress: false },
  ]);
  return ['application/zip', zip];
}

export async function startSoakUpstream(): Promise<SoakUpstream> {
  let zips = 0;
  const server = createServer((req, res) => {
    const m = PATH.exec(req.url ?? '');
    if (m === null) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
    const [, mod = '', kind = '', name = '', file = ''] = m;
    answer(mod, kind, name, file).then(
      ([type, body]) => {
        if (type === 'application/zip') zips++;
        res.writeHead(200, { 'content-type': type, 'content-length': body.length }).end(body);
      },
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    zips: () => zips,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
