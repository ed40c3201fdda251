// An air-gapped proxy (--upstream off, --private-upstream off) serves the lists it holds as they are: fetching is
// off by the operator's choice, nothing failed, so no "serving stale answer: upstreams failed" warning per request.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import pino from 'pino';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

let tmp: string;
let up: string;

before(async () => {
  tmp = await mkdtemp(path.join(tmpdir(), 'gmp-offline-lists-'));
  up = await writeGoproxyDir(path.join(tmp, 'up'), [
    { path: 'example.com/pub', versions: [{ version: 'v1.0.0', files: { 'pub.go': 'package pub\n' } }] },
    { path: 'corp.example.com/priv', versions: [{ version: 'v1.0.0', files: { 'priv.go': 'package priv\n' } }] },
  ]);
});

after(async () => {
  await rm(tmp, { recursive: true, force: true });
});

test('with fetching off, a held list is served without a warning, and one never held is a 404', async () => {
  const data = path.join(tmp, 'data');
  const online = await startProxy({ upstream: `file://${up}`, private: 'corp.example.com', 'private-upstream': `file://${up}` }, { dataDir: data });
  for (const p of ['/example.com/pub/@v/list', '/corp.example.com/priv/@v/list']) assert.equal((await online.get(p)).status, 200);
  await online.close();

  const lines: Array<{ level: number; msg: string }> = [];
  const logger = pino({ level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l) as (typeof lines)[number]) });
  const offline = await startProxy({ upstream: 'off', private: 'corp.example.com', 'private-upstream': 'off', 'list-ttl': '1s' }, { dataDir: data, logger });
  try {
    for (let i = 0; i < 2; i++) {
      for (const [p, body] of [
        ['/example.com/pub/@v/list', 'v1.0.0\n'],
        ['/corp.example.com/priv/@v/list', 'v1.0.0\n'],
      ] as const) {
        const res = await offline.get(p);
        assert.equal(res.status, 200, p);
        assert.equal(await res.text(), body);
      }
      // Past the list's TTL: it would be refreshed, were fetching on.
      await new Promise((r) => setTimeout(r, 1100));
    }
    const never = await offline.get('/example.com/never/@v/list');
    assert.equal(never.status, 404);
    await never.arrayBuffer();
    assert.deepEqual(
      lines.filter((l) => l.level >= 40 && !l.msg.startsWith('checksum verification is off')).map((l) => l.msg),
      [],
    );
  } finally {
    await offline.close();
  }
});
