// A minimal HTTP/1.1 GET over a raw socket that counts and discards the body: cheap enough that 500 of
// them at once measure the server, not the client. `Connection: close` marks the end of the body.
import { connect } from 'node:net';

export interface RawAnswer {
  readonly status: number;
  readonly bodyBytes: number;
  readonly contentLength: number;
  readonly ms: number;
}

export function rawGet(baseUrl: string, path: string): Promise<RawAnswer> {
  const { hostname, port } = new URL(baseUrl);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const sock = connect({ host: hostname, port: Number(port) });
    let head = '';
    let headDone = false;
    let status = 0;
    let contentLength = -1;
    let body = 0;
    sock.setNoDelay(true);
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: ${hostname}\r\nConnection: close\r\n\r\n`));
    sock.on('data', (chunk: Buffer) => {
      if (headDone) {
        body += chunk.length;
        return;
      }
      head += chunk.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      headDone = true;
      status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0);
      contentLength = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head.slice(0, end))?.[1] ?? -1);
      body = head.length - end - 4;
      head = '';
    });
    sock.on('error', reject);
    sock.on('close', () => resolve({ status, bodyBytes: body, contentLength, ms: performance.now() - start }));
  });
}
