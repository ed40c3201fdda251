// The probes of an open circuit say what they probe in their log lines: an upstream, or a followed index feed
// (which is no upstream, and which an operator looks for under `feed`).
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import pino from 'pino';
import { TEST_FETCH } from '../../test/helpers/fetch-options.js';
import { eventually } from '../../test/helpers/eventually.js';
import { HttpFetcher } from './http-fetcher.js';

interface Line {
  readonly msg: string;
  readonly [field: string]: unknown;
}

for (const role of ['upstream', 'feed'] as const) {
  test(`the circuit probes of ${role === 'feed' ? 'a followed feed' : 'an upstream'} are logged as the ${role}'s`, async () => {
    // Fails until told otherwise, then answers.
    let up = false;
    const server = createServer((_req, res) => void (up ? res.writeHead(200).end('ok\n') : res.writeHead(503).end('down\n')));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const lines: Line[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Line);
        done();
      },
    });
    const log = pino({ level: 'info' }, sink);
    const fetcher = new HttpFetcher(url, { ...TEST_FETCH, role, breakerThreshold: 1, breakerCooldownMs: 50 }, undefined, log);
    try {
      await assert.rejects(fetcher.fetch('/example.com/a/@v/list', 'list', async () => undefined));
      await eventually(async () => lines.some((l) => l.msg.endsWith('probe failed')), 'a probe failed');
      up = true;
      await eventually(async () => lines.some((l) => l.msg.endsWith('answered a probe')), 'a probe was answered');
      const probes = lines.filter((l) => l.msg.includes('probe'));
      for (const l of probes) {
        assert.match(l.msg, new RegExp(`^${role} `), `${JSON.stringify(l)} names the ${role}`);
        assert.equal(l[role], url, JSON.stringify(l));
        assert.equal(l[role === 'feed' ? 'upstream' : 'feed'], undefined, JSON.stringify(l));
      }
    } finally {
      await fetcher.close();
      await new Promise((r) => server.close(r));
    }
  });
}
