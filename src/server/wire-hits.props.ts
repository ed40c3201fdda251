// Fuzz property for the connection-level hit path's request grammar (wire-hits.ts), run by
// server.prop.test.ts (not by `npm run fuzz`: fuzz/ sits below server/ in the layers): whatever parseHead
// accepts, Node's own HTTP parser reads as the same request. The oracle is a real Node HTTP server on
// 127.0.0.1, sent the same bytes; parseHead may refuse more than Node does (Node then answers), never less.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { connect } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import fc from 'fast-check';
import { mutated, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { parseHead } from './wire-hits.js';

interface Read {
  readonly method: string;
  readonly url: string;
  readonly httpVersion: string;
  readonly headers: IncomingHttpHeaders;
}

/** Cases waiting for the oracle's verdict, by the client port of their connection. */
const waiting = new Map<number, (r: Read | undefined) => void>();
let oracle: Promise<number> | undefined;

/** One Node HTTP server for every case: it records the request its parser read, or that it read none. */
function oraclePort(): Promise<number> {
  oracle ??= (async () => {
    const server = createServer((req, res) => {
      waiting.get(req.socket.remotePort ?? 0)?.({ method: req.method ?? '', url: req.url ?? '', httpVersion: req.httpVersion, headers: req.headers });
      res.end();
    });
    server.on('clientError', (_err, socket: Socket) => {
      waiting.get(socket.remotePort ?? 0)?.(undefined);
      socket.destroy();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    server.unref();
    return (server.address() as AddressInfo).port;
  })();
  return oracle;
}

/** What Node's parser reads from `head` followed by a blank line: the request, or undefined when it refuses it. */
async function nodeReads(head: string): Promise<Read | undefined> {
  const socket = connect(await oraclePort(), '127.0.0.1');
  await once(socket, 'connect');
  const port = socket.localPort ?? 0;
  const read = new Promise<Read | undefined>((resolve) => {
    waiting.set(port, resolve);
    socket.on('error', () => resolve(undefined));
    socket.on('close', () => resolve(undefined));
  });
  socket.write(`${head}\r\n\r\n`, 'latin1');
  try {
    return await read;
  } finally {
    waiting.delete(port);
    socket.destroy();
  }
}

const DAMAGE = [' ', '\t', '\r', '\n', '\r\n', '\x00', '\x7f', 'é', '?', '#', ':', ',', '"', '%', 'A'];
const headerName = fc.oneof(
  fc.constantFrom('Host', 'host', 'HOST', 'If-None-Match', 'X-Request-Id', 'Accept', 'User-Agent', 'Connection', 'Cookie', 'Authorization'),
  fc.constantFrom('Content-Length', 'Transfer-Encoding', 'Expect', 'Upgrade', 'TE', 'Host ', ' Host', 'X Bad', '', 'Hóst'),
  mutated(fc.constantFrom('Host', 'Accept', 'If-None-Match'), DAMAGE),
);
const headerValue = fc.oneof(
  fc.constantFrom('proxy.test', 'keep-alive', 'close', '"abc"', '*', 'W/"abc", "def"', 'trace-1', '0', 'chunked', ''),
  stringOf(['a', '"', ' ', ',', ...DAMAGE], 12),
);
const target = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('/example.com/m/@v/v1.0.0.info', '/example.com/!m/@v/v1.0.0.mod') },
  fc.constantFrom('/example.com/m/@v/v1.0.0.info', '/example.com/m/@v/v1.0.0.mod', '/x', '*', 'http://h/x', '/a?b', '/a#b'),
  mutated(fc.constantFrom('/example.com/m/@v/v1.0.0.info'), DAMAGE),
);
const head = fc
  .tuple(
    fc.oneof({ weight: 4, arbitrary: fc.constantFrom('GET', 'HEAD') }, fc.constantFrom('POST', 'get', 'GE T', 'OPTIONS')),
    target,
    fc.oneof({ weight: 4, arbitrary: fc.constant('HTTP/1.1') }, fc.constantFrom('HTTP/1.0', 'HTTP/2', 'http/1.1', 'HTTP/1.1 ')),
    fc.array(fc.tuple(headerName, headerValue, fc.constantFrom(': ', ':', ' : ', ':\t')), { maxLength: 4 }),
    fc.oneof({ weight: 4, arbitrary: fc.constant(true) }, fc.constant(false)),
  )
  .map(([method, url, version, headers, host]) => {
    const lines = [`${method} ${url} ${version}`, ...(host ? ['Host: proxy.test'] : []), ...headers.map(([n, v, sep]) => `${n}${sep}${v}`)];
    return lines.join('\r\n');
  });

export const wireProperties = [
  fuzz(
    "what the connection-level path parses, Node's HTTP parser reads as the same request, without credentials or a body",
    300,
    () =>
      fc.asyncProperty(head, async (h) => {
        const mine = parseHead(h);
        if (mine === undefined) return;
        const node = await nodeReads(h);
        assert.ok(node !== undefined, `Node refuses what parseHead accepted: ${JSON.stringify(h)}`);
        assert.equal(node.method, mine.method);
        assert.equal(node.url, mine.url);
        assert.equal(node.httpVersion, '1.1');
        assert.ok(node.headers.host !== undefined && node.headers.host !== '');
        assert.equal(node.headers['if-none-match'], mine.ifNoneMatch);
        assert.equal(node.headers['x-request-id'], mine.requestId);
        for (const h of ['authorization', 'cookie', 'content-length', 'transfer-encoding', 'expect', 'upgrade'])
          assert.equal(node.headers[h], undefined, `${h} was accepted`);
        assert.ok(node.headers.connection === undefined || node.headers.connection.toLowerCase() === 'keep-alive');
      }),
    5_000,
  ),
];
