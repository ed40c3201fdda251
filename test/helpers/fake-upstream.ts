// A fake upstream GOPROXY for tests: serves a GOPROXY-layout directory on 127.0.0.1 and can be told to
// misbehave (slow, 500, truncated body, garbage, altered answers) per request path; counts requests.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';

export type Fault =
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  | { kind: 'delay'; ms: number }
  | { kind: 'truncate' }
  | { kind: 'body'; body: string | Buffer }
  | { kind: 'reset' }
  /** Sends the body in chunks of `bytes` every `everyMs` (a slow or stalling upstream); `chunked`: without a Content-Length. */
  | { kind: 'trickle'; bytes: number; everyMs: number; chunked?: boolean }
  /** `fault` for the first `count` requests of a path, then the normal answer (5xx-then-ok, reset-then-ok). */
  | { kind: 'first'; count: number; fault: Fault }
  /** A redirect to `location` (relative to this server). */
  | { kind: 'redirect'; location: string }
  /** Declares this Content-Length, sends the body, then closes the connection. */
  | { kind: 'length'; length: number }
  /**
   * The normal answer sent with `Content-Encoding: coding` though nobody asked for one: gzip-compressed when
   * coding is gzip and `plain` is not set, else as it is (a header that lies).
   */
  | { kind: 'encoded'; coding: string; plain?: boolean }
  /** Holds the answer until `ready()` says so (polled), or `ms` passed; then the normal answer. */
  | { kind: 'until'; ready: () => boolean; ms: number };

export interface FakeUpstream {
  readonly url: string;
  /** Requests seen, by decoded path. */
  readonly hits: Map<string, number>;
  /** Faults by decoded path; a function entry decides per request. */
  readonly faults: Map<string, Fault>;
  /** A fault applied to every request when set. */
  fault?: Fault;
  count(p: string): number;
  total(): number;
  close(): Promise<void>;
}

export async function startFakeUpstream(root: string): Promise<FakeUpstream> {
  const hits = new Map<string, number>();
  const faults = new Map<string, Fault>();
  const sockets = new Set<import('node:net').Socket>();
  const state: { fault?: Fault } = {};
  const server: Server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const p = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    const seen = (hits.get(p) ?? 0) + 1;
    hits.set(p, seen);
    let fault = faults.get(p) ?? state.fault;
    if (fault?.kind === 'first') fault = seen <= fault.count ? fault.fault : undefined;
    if (fault?.kind === 'redirect') {
      res.writeHead(302, { location: fault.location }).end();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    if (fault?.kind === 'until') {
      const deadline = Date.now() + fault.ms;
      while (!fault.ready() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    }
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'status') {
      res.writeHead(fault.status, { 'content-type': fault.contentType ?? 'text/plain; charset=utf-8' }).end(fault.body ?? `status ${fault.status}\n`);
      return;
    }
    let body: Buffer;
    if (fault?.kind === 'body') {
      body = Buffer.from(fault.body);
    } else {
      const file = path.join(root, p);
      if (!file.startsWith(root)) {
        res.writeHead(400).end();
        return;
      }
      try {
        body = await readFile(file);
      } catch {
        res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end(`not found: ${p}\n`);
        return;
      }
    }
    if (fault?.kind === 'trickle') {
      res.writeHead(200, fault.chunked === true ? {} : { 'content-length': String(body.length) });
      for (let at = 0; at < body.length && !res.destroyed; at += fault.bytes) {
        res.write(body.subarray(at, at + fault.bytes));
        await new Promise((r) => setTimeout(r, fault.everyMs));
      }
      res.end();
      return;
    }
    if (fault?.kind === 'length') {
      res.writeHead(200, { 'content-length': String(fault.length) });
      res.write(body);
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (fault?.kind === 'truncate') {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, Math.floor(body.length / 2)));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    if (fault?.kind === 'encoded') {
      const sent = fault.coding === 'gzip' && fault.plain !== true ? gzipSync(body) : body;
      res.writeHead(200, { 'content-length': String(sent.length), 'content-encoding': fault.coding }).end(sent);
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) }).end(body);
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    faults,
    get fault() {
      return state.fault;
    },
    set fault(f: Fault | undefined) {
      state.fault = f;
    },
    count: (p) => hits.get(p) ?? 0,
    total: () => [...hits.values()].reduce((a, b) => a + b, 0),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
