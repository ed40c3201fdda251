// One benchmarked GOPROXY endpoint: timed GETs over http(s) (undici, keep-alive, connect time measured
// per new connection) or from a file:// directory, with every failure sorted into a kind.
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { Agent, buildConnector, EnvHttpProxyAgent, interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import { trustedCAs } from '../upstream/tls-trust.js';

export type FailureKind = 'timeout' | '5xx' | '404' | 'status' | 'reset' | 'connect' | 'bad-body';
export const FAILURE_KINDS: readonly FailureKind[] = ['timeout', '5xx', '404', 'status', 'reset', 'connect', 'bad-body'];

export interface Fetched {
  readonly ttfbMs: number;
  readonly totalMs: number;
  readonly bytes: number;
  /** The body, unless it was written to `file`. */
  readonly body?: Buffer;
}

export class FetchFailure extends Error {
  constructor(
    readonly kind: FailureKind,
    message: string,
    readonly status?: number,
    readonly totalMs = 0,
  ) {
    super(message);
  }
}

export interface GetOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Stream the body to this file instead of keeping it in memory (zips). */
  readonly file?: string;
}

export interface Endpoint {
  readonly url: string;
  /** Time to open each new connection (TCP, and TLS for https); keep-alive makes this one per socket. */
  readonly connectMs: number[];
  get(rel: string, opts: GetOptions): Promise<Fetched>;
  close(): Promise<void>;
}

const MAX_BUFFERED = 16 << 20;

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Go's net/http uses HTTPS_PROXY, HTTP_PROXY and NO_PROXY (either case), so requests made on its behalf must too;
 * they are read from the command's environment. Through a proxy, connect times are not measured.
 */
export function makeAgent(env: Env, opts: Agent.Options): Dispatcher {
  const pick = (name: string) => env[name] ?? env[name.toLowerCase()] ?? '';
  const httpProxy = pick('HTTP_PROXY');
  const httpsProxy = pick('HTTPS_PROXY');
  // SSL_CERT_FILE and SSL_CERT_DIR, as the go command reads them (a connector function given by the caller brings its own).
  const ca = trustedCAs(env);
  const withCa: Agent.Options = ca === undefined || typeof opts.connect === 'function' ? opts : { ...opts, connect: { ...opts.connect, ca } };
  if (httpProxy === '' && httpsProxy === '') return new Agent(withCa);
  // Through an HTTP proxy, the TLS to the endpoint itself is requestTls.
  const tunnel = ca === undefined ? {} : { requestTls: { ca } };
  return new EnvHttpProxyAgent({ ...withCa, ...tunnel, httpProxy, httpsProxy, noProxy: pick('NO_PROXY') });
}

export function openEndpoint(url: string, connections: number, env: Env = {}): Endpoint {
  return url.startsWith('file:') ? fileEndpoint(url) : httpEndpoint(url, connections, env);
}

function httpEndpoint(url: string, connections: number, env: Env): Endpoint {
  const connectMs: number[] = [];
  const ca = trustedCAs(env);
  const connector = buildConnector(ca === undefined ? {} : { ca });
  const agent = makeAgent(env, {
    connections,
    connect: (opts, cb) => {
      const t0 = performance.now();
      connector(opts, (...args) => {
        if (args[0] === null) connectMs.push(performance.now() - t0);
        cb(...args);
      });
    },
  });
  // The go command follows up to 10 redirects (§1.4); mirrors often redirect zips to a CDN.
  const dispatcher: Dispatcher = agent.compose(interceptors.redirect({ maxRedirections: 10 }));
  return {
    url,
    connectMs,
    // On the wire `!` is percent-encoded, as Go's url.PathEscape does (§1.1).
    get: (rel, opts) => httpGet(dispatcher, `${url}/${rel.replace(/!/g, '%21')}`, opts),
    close: () => agent.close(),
  };
}

async function httpGet(dispatcher: Dispatcher, url: string, opts: GetOptions): Promise<Fetched> {
  const t0 = performance.now();
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await request(url, { dispatcher, signal, headers: { 'user-agent': 'gomodproxy-bench' } });
    const ttfbMs = performance.now() - t0;
    if (res.statusCode !== 200) {
      await res.body.dump();
      const s = res.statusCode;
      const kind: FailureKind = s === 404 || s === 410 ? '404' : s >= 500 ? '5xx' : 'status';
      throw new FetchFailure(kind, `HTTP ${s}`, s, performance.now() - t0);
    }
    if (opts.file !== undefined) {
      let bytes = 0;
      res.body.on('data', (c: Buffer) => (bytes += c.length));
      await pipeline(res.body, createWriteStream(opts.file));
      return { ttfbMs, totalMs: performance.now() - t0, bytes };
    }
    const chunks: Buffer[] = [];
    let bytes = 0;
    for await (const c of res.body as AsyncIterable<Buffer>) {
      bytes += c.length;
      if (bytes > MAX_BUFFERED) throw new FetchFailure('bad-body', `body larger than ${MAX_BUFFERED} bytes`);
      chunks.push(c);
    }
    return { ttfbMs, totalMs: performance.now() - t0, bytes, body: Buffer.concat(chunks) };
  } catch (err) {
    if (err instanceof FetchFailure) throw err;
    if (opts.signal?.aborted) throw err;
    throw classify(err, opts.timeoutMs, performance.now() - t0);
  }
}

/** Sorts a network error into timeout, connect (no connection at all) or reset (the connection broke). */
export function classify(err: unknown, timeoutMs: number, ms: number): FetchFailure {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  if (e.name === 'TimeoutError' || /TIMEOUT/.test(code)) return new FetchFailure('timeout', `no answer within ${timeoutMs} ms`, undefined, ms);
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|CERT_|ERR_TLS|UNABLE_TO|DEPTH_ZERO|SELF_SIGNED)/.test(code)) {
    return new FetchFailure('connect', `${code}: ${e.message}`, undefined, ms);
  }
  return new FetchFailure('reset', `${code || e.name}: ${e.message}`, undefined, ms);
}

/** A file:// proxy is read with the decoded path on disk (§1.1), so `!` stays `!` in file names. */
function fileEndpoint(url: string): Endpoint {
  const root = fileURLToPath(url);
  return {
    url,
    connectMs: [],
    async get(rel, opts) {
      const t0 = performance.now();
      const file = path.join(root, rel);
      let fh;
      try {
        fh = await open(file, 'r');
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') throw new FetchFailure('404', 'no such file', 404, performance.now() - t0);
        throw new FetchFailure('status', `${code}: ${(err as Error).message}`, code === 'EACCES' ? 403 : undefined, performance.now() - t0);
      }
      const ttfbMs = performance.now() - t0;
      try {
        if (opts.file !== undefined) {
          const { size } = await fh.stat();
          await pipeline(fh.createReadStream({ autoClose: false }), createWriteStream(opts.file));
          return { ttfbMs, totalMs: performance.now() - t0, bytes: size };
        }
        const body = await fh.readFile();
        return { ttfbMs, totalMs: performance.now() - t0, bytes: body.length, body };
      } finally {
        await fh.close();
      }
    },
    close: async () => {},
  };
}
