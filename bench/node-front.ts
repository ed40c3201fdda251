// The cold suite's runtime yardstick: the least a Node.js proxy that keeps a copy does per miss. node:http in
// front of the upstream through an undici pool; every 200 is answered as it came, then stored behind the
// answer as gomodproxy stores (a temp file written and fsynced, then renamed into place). No checks, no
// lookups, no locks, no logs: what is left of gomodproxy's cold time above this line is its own work.
// Usage: node --import tsx bench/node-front.ts PORT UPSTREAM DIR
import { createServer } from 'node:http';
import { mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';
import { Pool } from 'undici';

const [port = '0', upstream = '', dir = ''] = process.argv.slice(2);
const pool = new Pool(upstream, { connections: 16 });
let n = 0;

/** Write, fsync, rename: a copy that is whole or absent. Paths come from the benchmark's own go command. */
async function keep(url: string, body: Buffer): Promise<void> {
  const dest = path.join(dir, 'store', path.normalize(url));
  if (!dest.startsWith(path.join(dir, 'store') + path.sep)) return;
  const tmp = path.join(dir, `tmp-${n++}`);
  const fh = await open(tmp, 'w');
  try {
    await fh.write(body);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await mkdir(path.dirname(dest), { recursive: true });
  await rename(tmp, dest);
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/healthz') {
    res.end('ok');
    return;
  }
  pool
    .request({ path: url, method: 'GET' })
    .then(async (up) => {
      const body = Buffer.from(await up.body.arrayBuffer());
      res.writeHead(up.statusCode, { 'content-type': String(up.headers['content-type'] ?? 'application/octet-stream'), 'content-length': body.length });
      res.end(body);
      if (up.statusCode === 200) await keep(url, body);
    })
    .catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502).end(String(err));
      else res.destroy();
    });
});
await mkdir(dir, { recursive: true });
server.listen(Number(port), '127.0.0.1');
process.once('SIGTERM', () => server.close(() => process.exit(0)));
