// Fetches GOPROXY paths from one http(s) upstream through a keep-alive undici pool, with per-phase
// timeouts, the fill's deadline, bounded retries with backoff (also of bodies cut off mid-way), a circuit
// breaker fed only by evidence that the host is down, background health probes, redirects and metrics.
import { pipeline } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip } from 'node:zlib';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { ERROR_CODE_HEADER, GmpError, gmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { fetchMetrics } from './fetch-metrics.js';
import type { FetchMetrics, FetcherRole } from './fetch-metrics.js';
import { badContent } from '../protocol/answers.js';
import { basicAuth, redactURL } from '../protocol/proxy-list.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { faultOf, isTransportError, moduleOf, transportError } from './faults.js';
import { UpstreamHealth } from './health.js';
import { readPrefix } from './read-body.js';
import { eitherSignal } from './either-signal.js';
import type { RawFetcher, RawResponse, SourceOptions } from './source.js';
import { errorFromStatus } from './upstream-errors.js';

export interface HttpFetcherOptions {
  readonly connectTimeoutMs: number;
  readonly firstByteTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
  /** How often idle members of a `|` group are probed for their latency (0: never). */
  readonly probeIntervalMs?: number;
  readonly connections?: number;
  /** The certificate authorities to trust instead of Node's (tls-trust.ts: SSL_CERT_FILE, SSL_CERT_DIR). */
  readonly ca?: readonly string[];
  /** What messages call the server (default `upstream`): `feed` for a followed index feed, which is not an upstream. */
  readonly role?: FetcherRole;
}

const MAX_REDIRECTS = 10;
/** Answers cheap enough to repeat as a health probe. */
const SMALL = new Set(['list', 'info', 'mod', 'latest', 'sumdb']);
/**
 * What a probe allows each phase when its setting is 0 ("no limit"): a request may wait as long as the
 * upstream takes, but a probe that never ends would keep an open circuit open for good (the defaults of
 * --connect-timeout and --first-byte-timeout).
 */
const PROBE_CONNECT_MS = 5_000;
const PROBE_FIRST_BYTE_MS = 30_000;

/** The probe's time limit: finite even when both phases have none. */
function probeTimeoutMs(options: Pick<HttpFetcherOptions, 'connectTimeoutMs' | 'firstByteTimeoutMs'>): number {
  return (options.connectTimeoutMs || PROBE_CONNECT_MS) + (options.firstByteTimeoutMs || PROBE_FIRST_BYTE_MS);
}

export class HttpFetcher implements RawFetcher {
  readonly name: string;
  readonly role: FetcherRole;
  readonly breaker: CircuitBreaker;
  readonly health: UpstreamHealth;
  private readonly base: URL;
  private readonly auth: string | undefined;
  /** The forms the credentials take on the wire, taken out of messages: an upstream may echo them in an answer. */
  private readonly secrets: readonly string[];
  private readonly agent: Agent;
  /** The last small path that answered 200: the "cheap known request" of health probes. */
  private knownGood: string | undefined;
  /** An upstream's series, or a followed feed's own. */
  private readonly metrics: FetchMetrics;

  constructor(
    url: string,
    private readonly options: HttpFetcherOptions,
    metrics?: Metrics,
    private readonly log?: Logger,
  ) {
    const base = new URL(url);
    this.auth = base.username !== '' ? basicAuth(base) : undefined;
    this.secrets = secretsOf(base);
    base.username = '';
    base.password = '';
    this.base = base;
    this.name = redactURL(url);
    this.role = options.role ?? 'upstream';
    this.metrics = fetchMetrics(metrics, this.name, this.role);
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs, ...(options.ca === undefined ? {} : { ca: [...options.ca] }) },
      headersTimeout: options.firstByteTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: options.connections ?? 64,
    });
    this.breaker = new CircuitBreaker({
      threshold: options.breakerThreshold,
      cooldownMs: options.breakerCooldownMs,
      onChange: (state, why) => {
        this.metrics.circuit(state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
        const level = state === 'open' ? 'warn' : 'info';
        log?.[level]({ [this.role]: this.name, state, why }, `${this.role} circuit ${state}`);
        this.health.schedule();
      },
    });
    this.health = new UpstreamHealth(
      this.name,
      this.breaker,
      () => this.probe(),
      { probeIntervalMs: options.probeIntervalMs ?? 0, role: this.role },
      this.metrics,
      log,
    );
    this.metrics.circuit(0);
  }

  /** Why this upstream is skipped now (its circuit is open, or half-open with a probe under way), or undefined. */
  skipped(): string | undefined {
    if (this.breaker.state === 'closed') return undefined;
    return `${this.name} is skipped after repeated failures (retry in ${this.retrySeconds()}s)`;
  }

  private retrySeconds(): number {
    // Half-open with a probe under way: 0 ms left of the cooldown, but nothing goes out until the probe ends.
    return Math.max(1, Math.ceil(this.breaker.retryInMs() / 1000));
  }

  private circuitOpen(): GmpError {
    const secs = this.retrySeconds();
    return new GmpError('GMP_ERR_UPSTREAM_CIRCUIT_OPEN', `${this.role} ${this.name} is skipped after repeated failures (retry in ${secs}s)`, {
      retryAfter: secs,
    });
  }

  async fetch<T>(relPath: string, endpoint: string, read: (res: RawResponse) => Promise<T>, opts: SourceOptions = {}): Promise<T> {
    const deadline = opts.deadline;
    const cut = opts.cut;
    cut?.throwIfAborted();
    if (!this.breaker.allow()) {
      this.metrics.error('circuit_open');
      throw this.circuitOpen();
    }
    const link = eitherSignal(deadline?.signal, cut);
    try {
      return await this.attempts(relPath, endpoint, read, deadline, cut, link.signal);
    } finally {
      link.release();
    }
  }

  private async attempts<T>(
    relPath: string,
    endpoint: string,
    read: (res: RawResponse) => Promise<T>,
    deadline: SourceOptions['deadline'],
    cut: AbortSignal | undefined,
    signal: AbortSignal | undefined,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      let failed: GmpError;
      try {
        const res = await this.once(relPath, endpoint, signal);
        deadline?.begin(res.contentLength);
        const out = await read(res);
        if (SMALL.has(endpoint)) this.knownGood = relPath;
        this.breaker.success();
        return out;
      } catch (err) {
        // Cut by the shutdown: the upstream did nothing wrong (no breaker, no error metric, no retry).
        if (cut?.aborted === true) throw cut.reason;
        if (deadline?.expired) {
          this.metrics.deadlineExceeded();
          // The answer's own slowness (one big zip, one trickling module): counts once, like a module's error.
          this.breaker.failure(`module:${moduleOf(relPath)}`, 'fill deadline');
          throw deadline.error();
        }
        // Anything else `read` throws (a bug) is not the network's: it stays what it is.
        if (!(err instanceof GmpError) && !isTransportError(err)) throw err;
        failed = transportError(this.name, err, this.role);
        for (const secret of this.secrets) failed.message = failed.message.replaceAll(secret, '***');
      }
      if (failed.notFound) {
        this.breaker.success();
        throw failed;
      }
      const fault = faultOf(failed, relPath);
      // The host answered (bad content, a 4xx, our own disk failing): nothing against it.
      if (fault.key === null) this.breaker.success();
      if (fault.key === null || !fault.retryable || attempt >= this.options.retries) {
        if (fault.key !== null) this.breaker.failure(fault.key, failed.message);
        throw failed;
      }
      const delay = this.options.retryBackoffMs * 2 ** attempt * (0.75 + Math.random() / 2);
      this.log?.debug({ upstream: this.name, attempt, delay, err: failed.message }, 'retrying upstream request');
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.health.stop();
    await this.agent.close();
  }

  /** One request, following redirects; resolves at a 200's headers, throws the mapped error otherwise. */
  private async once(relPath: string, endpoint: string, signal?: AbortSignal): Promise<RawResponse> {
    let url = this.urlOf(relPath);
    const started = performance.now();
    try {
      for (let hop = 0; ; hop++) {
        const res = await this.request(url, signal);
        if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
          res.body.resume();
          if (hop >= MAX_REDIRECTS) throw gmpError('GMP_ERR_UPSTREAM_STATUS', `${this.role} ${this.name}: too many redirects`);
          const next = new URL(String(res.headers.location), url);
          if (url.protocol === 'https:' && next.protocol !== 'https:') {
            throw gmpError('GMP_ERR_UPSTREAM_STATUS', `${this.role} ${this.name}: refused redirect from https to ${next.protocol}`);
          }
          url = next;
          continue;
        }
        const ms = performance.now() - started;
        this.metrics.latency(endpoint, ms / 1000);
        if (res.statusCode < 500) this.health.sample(ms);
        if (res.statusCode !== 200) {
          const text = await readErrorText(res.body);
          const code = headerText(res.headers[ERROR_CODE_HEADER]);
          throw errorFromStatus(this.name, res.statusCode, text, headerText(res.headers['content-type']), this.role, code);
        }
        const len = Number(res.headers['content-length']);
        return decoded(this.name, this.role, res, Number.isFinite(len) ? len : undefined);
      }
    } catch (err) {
      const e = transportError(this.name, err, this.role);
      if (e.code === 'GMP_ERR_UPSTREAM_TIMEOUT') this.health.sample(performance.now() - started);
      if (!e.notFound && !e.local && !signal?.aborted) {
        const kind = e.code === 'GMP_ERR_UPSTREAM_TIMEOUT' ? 'timeout' : e.code === 'GMP_ERR_UPSTREAM_UNREACHABLE' ? 'network' : 'status';
        this.metrics.error(kind);
      }
      throw e;
    }
  }

  /** The health probe: the last small path that worked (or the base), any answer below 500 is alive. */
  private async probe(): Promise<number> {
    const started = performance.now();
    const signal = AbortSignal.timeout(probeTimeoutMs(this.options));
    const res = await this.request(this.urlOf(this.knownGood ?? '/'), signal);
    await res.body.dump();
    if (res.statusCode >= 500) throw new Error(`answered ${res.statusCode}`);
    return performance.now() - started;
  }

  private urlOf(relPath: string): URL {
    return new URL(this.base.pathname.replace(/\/$/, '') + relPath, this.base);
  }

  private request(url: URL, signal?: AbortSignal): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { 'user-agent': 'gomodproxy/0.1 (+Go module proxy)' };
    if (this.auth !== undefined && url.origin === this.base.origin) headers.authorization = this.auth;
    return this.agent.request({ origin: url.origin, path: url.pathname + url.search, method: 'GET', headers, signal });
  }
}

/**
 * The body as the go command reads it: a server may gzip an answer nobody asked it to encode (without an
 * Accept-Encoding any coding is acceptable), and Go's client decodes gzip. The length announced is then the
 * compressed one, so none is passed on: the readers' own limits bound the decoded bytes (a gzip bomb stops
 * there). Another coding is refused rather than stored as it came.
 */
function decoded(upstream: string, role: string, res: Dispatcher.ResponseData, contentLength: number | undefined): RawResponse {
  const coding = (headerText(res.headers['content-encoding']) ?? '').trim().toLowerCase();
  if (coding === '' || coding === 'identity') return { body: res.body, contentLength };
  if (coding === 'gzip' || coding === 'x-gzip') return { body: pipeline(res.body, createGunzip(), () => {}) };
  void res.body.dump().catch(() => undefined);
  throw badContent(upstream, `answer: it is sent with Content-Encoding ${JSON.stringify(coding.slice(0, 100))}, which only gzip may be`, role);
}

function secretsOf(u: URL): string[] {
  if (u.username === '' && u.password === '') return [];
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  // Longest first; shorter ones would mangle every message they happen to occur in.
  return [`${user}:${pass}`, Buffer.from(`${user}:${pass}`).toString('base64'), pass, u.password].filter((s) => s.length >= 4);
}

async function readErrorText(body: AsyncIterable<Uint8Array | string>): Promise<string> {
  return (await readPrefix(body, 4096)).data.toString('utf8');
}

function headerText(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
