// `--listen [::1]:PORT`: the "gomodproxy listening" line gives the address as a URL names an IPv6 host, in
// brackets (`http://[::1]:PORT`), from the primary of `--workers 2` as from a single process, so that what an
// operator (or a script) copies from the log reaches the server.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startProxyProcess } from './helpers/proxy-process.js';

/** Why the test cannot run here: no IPv6 loopback to bind. */
async function noIpv6(): Promise<string | undefined> {
  const server = createServer();
  return new Promise((resolve) => {
    server.once('error', (err) => resolve(`no IPv6 loopback here (${(err as NodeJS.ErrnoException).code})`));
    server.listen(0, '::1', () => server.close(() => resolve(undefined)));
  });
}

const skip = await noIpv6();
let tmp: string;
before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-ipv6-'));
});
after(async () => {
  if (tmp !== undefined) await rm(tmp, { recursive: true, force: true });
});

for (const workers of ['1', '2']) {
  test(`--workers ${workers}: the listening line's address is http://[::1]:PORT, and it answers there`, { skip }, async () => {
    const proxy = await startProxyProcess({ listen: '[::1]:0', workers, upstream: 'off', data: path.join(tmp, workers) });
    try {
      const line = proxy.logs.find((l) => l.includes('gomodproxy listening')) ?? '';
      const address = (JSON.parse(line) as { address: string }).address;
      assert.match(address, /^http:\/\/\[::1\]:\d+$/, line);
      assert.notEqual(new URL(address).port, '0');
      const res = await fetch(`${address}/healthz`);
      assert.equal(res.status, 200, await res.text());
    } finally {
      await proxy.stop();
    }
  });
}
