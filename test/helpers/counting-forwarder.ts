// A counting pass-through in front of a proxy under test: forwards every GET to the target and counts the
// requests per path, so a test can tell how often one proxy fetched each artifact from another.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

export interface CountingForwarder {
  readonly url: string;
  /** Requests seen, by decoded path (without the query). */
  readonly hits: Map<string, number>;
  close(): Promise<void>;
}

export async function startCountingForwarder(target: string): Promise<CountingForwarder> {
  const hits = new Map<string, number>();
  const server = createServer((req, res) => {
    const p = decodeURIComponent((req.url ?? '/').split('?')[0] ?? '/');
    hits.set(p, (hits.get(p) ?? 0) + 1);
    fetch(target + (req.url ?? '/'), { headers: { 'user-agent': String(req.headers['user-agent'] ?? '') } })
      .then((up) => {
        res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/octet-stream' });
        if (up.body === null) return void res.end();
        Readable.fromWeb(up.body as import('node:stream/web').ReadableStream).pipe(res);
      })
      .catch(() => res.writeHead(502).end('forwarder: target unreachable\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
