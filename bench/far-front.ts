// An upstream far away, for the cold suite: every request waits `delayMs` before it is forwarded to the
// upstream on this machine, as a request across a WAN waits for the round trip (the answer then streams
// back at loopback speed). The go command, goproxy and gomodproxy all reach the upstream through it.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FarFront {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startFarFront(upstream: string, delayMs: number): Promise<FarFront> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const server = http.createServer((req, res) => {
    setTimeout(() => {
      const out = http.get(new URL(req.url ?? '/', upstream), { agent, headers: { 'user-agent': req.headers['user-agent'] ?? '' } }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      out.on('error', () => {
        res.statusCode = 502;
        res.end();
      });
    }, delayMs);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
    },
  };
}
