// GOPROXY mirrors for the bench tests: three modules served from memory on 127.0.0.1, optionally with one
// zip altered, and a handler hook to delay, fail or relay requests.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildZip } from '../../src/modzip/zip-test-helpers.js';
import { escapePath } from '../../src/protocol/escape.js';

export const MODULES = { 'example.com/alpha': ['v1.0.0', 'v1.1.0'], 'example.com/Beta': ['v0.1.0'], 'example.com/gamma': ['v1.2.0', 'v1.3.0'] } as const;
export const WORKLOAD = ['example.com/alpha@v1.0.0', 'example.com/Beta@v0.1.0', 'example.com/gamma@v1.2.0'];

export type Files = Map<string, Buffer>;
export type Handler = (rel: string, req: IncomingMessage, res: ServerResponse, n: number) => boolean | Promise<boolean>;

export async function buildFiles(alter = false): Promise<Files> {
  const files: Files = new Map();
  for (const [p, versions] of Object.entries(MODULES)) {
    const base = `${escapePath(p)}/@v/`;
    files.set(`${base}list`, Buffer.from(versions.map((v) => `${v}\n`).join('')));
    for (const v of versions) {
      const gomod = `module ${p}\n\ngo 1.19\n`;
      const code = alter && p === 'example.com/alpha' && v === 'v1.0.0' ? 'package x\n\nfunc Evil() {}\n' : `package x\n\n// ${v}\n`;
      files.set(`${base}${v}.info`, Buffer.from(JSON.stringify({ Version: v, Time: '2023-01-02T03:04:05Z' })));
      files.set(`${base}${v}.mod`, Buffer.from(gomod));
      files.set(
        `${base}${v}.zip`,
        await buildZip([
          { name: `${p}@${v}/go.mod`, content: gomod },
          { name: `${p}@${v}/x.go`, content: code },
        ]),
      );
    }
  }
  return files;
}

const CONTENT_TYPES: Record<string, string> = {
  list: 'text/plain; charset=utf-8',
  info: 'application/json',
  mod: 'text/plain; charset=utf-8',
  zip: 'application/zip',
};

/** A GOPROXY server over `files`; `handler` may answer first (delays, failures, relays). */
export async function startProxy(files: Files, handler?: Handler): Promise<{ url: string; server: Server }> {
  let n = 0;
  const server = createServer(async (req, res) => {
    const rel = decodeURIComponent((req.url ?? '/').slice(1));
    if (handler && (await handler(rel, req, res, n++))) return;
    const body = files.get(rel);
    if (body === undefined) return void res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    res.writeHead(200, { 'content-type': CONTENT_TYPES[rel.split('.').at(-1) ?? 'list'] ?? 'text/plain' }).end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}
