// The validation hook as an operator writes it: a URL with user:password is asked with those credentials (as
// curl and Go's net/http send them), and they never reach a log or the client's error message.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import pino from 'pino';
import { Writable } from 'node:stream';
import { ValidationHook } from './validation-hook.js';

function capturingLog(): { log: pino.Logger; text: () => string } {
  let text = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { log: pino({ level: 'trace' }, sink), text: () => text };
}

test('a hook URL with user:password is asked with them as Basic credentials, not refused as a URL with credentials', async () => {
  const seen: Array<string | undefined> = [];
  const server = createServer((req, res) => {
    seen.push(req.headers.authorization);
    res.writeHead(req.headers.authorization === `Basic ${Buffer.from('hook user:p@ss').toString('base64')}` ? 200 : 401).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const { log, text } = capturingLog();
  try {
    const hook = new ValidationHook({ url: `http://hook%20user:p%40ss@127.0.0.1:${port}/check`, timeoutMs: 5000, failOpen: false, log, redact: (m) => m });
    await hook.check('example.com/a', 'v1.0.0');
    assert.equal(seen.length, 1);
    assert.equal(text(), '');
  } finally {
    server.close();
  }
});

test('a hook that cannot be reached names no password, in the log or in the 503 the client gets', async () => {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  const { log, text } = capturingLog();
  const hook = new ValidationHook({ url: `http://u:HOOKPASS@127.0.0.1:${port}/check`, timeoutMs: 5000, failOpen: false, log, redact: (m) => m });
  await assert.rejects(hook.check('example.com/a', 'v1.0.0'), (err: Error) => {
    assert.match(err.message, /the validation hook cannot be reached \(ECONNREFUSED\)/);
    assert.doesNotMatch(err.message, /HOOKPASS/);
    return true;
  });
  assert.match(text(), /validation hook failed/);
  assert.doesNotMatch(text(), /HOOKPASS/);
});
