// What `serve` logs about its settings must not carry their secrets: an upstream's user:password is a
// credential (sent as HTTP Basic), and replicas ship their logs to places their settings file never goes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startProxyProcess } from './helpers/proxy-process.js';

/** The fields of the one "gomodproxy listening" line of a started server, and the whole log. */
async function listeningLine(workers: string): Promise<{ line: Record<string, unknown> | undefined; text: string }> {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-log-secrets-'));
  const proxy = await startProxyProcess({
    data,
    workers,
    'log-level': 'debug',
    'own-sumdb': 'off',
    sumdb: 'off',
    upstream: 'http://alice:upstream-secret-1@127.0.0.1:9|http://bob:upstream-secret-2@127.0.0.1:9/sub,off',
  });
  await fetch(`${proxy.url}/readyz`).then((r) => r.text());
  assert.equal(await proxy.stop(), 0);
  const line = proxy.logs.map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, unknown>) : {})).find((l) => l.msg === 'gomodproxy listening');
  return { line, text: proxy.logs.join('\n') };
}

for (const workers of ['1', '2']) {
  test(`serve --workers ${workers} logs its upstream list without the credentials in its URLs`, async () => {
    const { line, text } = await listeningLine(workers);
    assert.doesNotMatch(text, /upstream-secret/, 'a password in the log');
    assert.doesNotMatch(text, /alice|bob/, 'a user name in the log');
    assert.equal(line?.upstream, 'http://127.0.0.1:9|http://127.0.0.1:9/sub,off');
    assert.match(String(line?.address), /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(typeof line?.data, 'string');
  });
}
