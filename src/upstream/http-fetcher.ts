// Fetches GOPROXY paths from one http(s) upstream through a keep-alive undici pool, with
// per-phase timeouts, bounded retries with backoff, a circuit breaker, redirects and metrics.
import { Agent, errors as undiciErrors } from 'undici';
import type { Dispatcher } from 'undici';
import type { Logger } from 'pino';
import { GmpError, gmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { redactURL } from '../protocol/proxy-list.js';
import { UpstreamStatusError, errorFromStatus } from './upstream-errors.js';
import { readPrefix } from './read-body.js';
import type { RawFetcher, RawResponse } from './source.js';

export interface HttpFetcherOptions {
  readonly connectTimeoutMs: number;
  readonly firstByteTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly retries: number;
  readonly retryBackoffMs: number;
  readonly breakerThreshold: number;
  readonly breakerCooldownMs: number;
  readonly connections?: number;
}

const MAX_REDIRECTS = 10;

export class HttpFetcher implements RawFetcher {
  readonly name: string;
  readonly breaker: CircuitBreaker;
  private readonly base: URL;
  private readonly auth: string | undefined;
  private readonly agent: Agent;

  constructor(
    url: string,
    private readonly options: HttpFetcherOptions,
    private readonly metrics?: Metrics,
    private readonly log?: Logger,
  ) {
    const base = new URL(url);
    this.auth = base.username !== '' ? basicAuth(base) : undefined;
    base.username = '';
    base.password = '';
    this.base = base;
    this.name = redactURL(url);
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.firstByteTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: options.connections ?? 64,
    });
    this.breaker = new CircuitBreaker({
      threshold: options.breakerThreshold,
      cooldownMs: options.breakerCooldownMs,
      onChange: (state) => {
        metrics?.circuitState.set({ upstream: this.name }, state === 'closed' ? 0 : state === 'half-open' ? 1 : 2);
        const level = state === 'open' ? 'warn' : 'info';
        log?.[level]({ upstream: this.name, state }, `upstream circuit ${state}`);
      },
    });
    metrics?.circuitState.set({ upstream: this.name }, 0);
  }

  async get(relPath: string, endpoint: string): Promise<RawResponse> {
    if (!this.breaker.allow()) {
      this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: 'circuit_open' });
      const secs = Math.ceil(this.breaker.retryInMs() / 1000);
      throw gmpError('GMP_ERR_UPSTREAM_CIRCUIT_OPEN', `upstream ${this.name} is skipped after repeated failures (retry in ${secs}s)`);
    }
    for (let attempt = 0; ; attempt++) {
      try {
        const res = await this.once(relPath, endpoint);
        this.breaker.success();
        return res;
      } catch (err) {
        const e = this.classify(err);
        const retryable = e.code === 'GMP_ERR_UPSTREAM_UNREACHABLE' || (e.code === 'GMP_ERR_UPSTREAM_STATUS' && isServerError(err));
        if (e.notFound) {
          this.breaker.success();
          throw e;
        }
        if (!retryable || attempt >= this.options.retries) {
          this.breaker.failure();
          throw e;
        }
        const delay = this.options.retryBackoffMs * 2 ** attempt * (0.75 + Math.random() / 2);
        this.log?.debug({ upstream: this.name, attempt, delay }, 'retrying upstream request');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async once(relPath: string, endpoint: string): Promise<RawResponse> {
    let url = new URL(this.base.pathname.replace(/\/$/, '') + relPath, this.base);
    const started = performance.now();
    for (let hop = 0; ; hop++) {
      const sameOrigin = url.origin === this.base.origin;
      const headers: Record<string, string> = { 'user-agent': 'gomodproxy/0.1 (+Go module proxy)' };
      if (this.auth !== undefined && sameOrigin) headers.authorization = this.auth;
      const res: Dispatcher.ResponseData = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method: 'GET',
        headers,
      });
      if (res.statusCode >= 300 && res.statusCode < 400 && res.headers.location !== undefined) {
        res.body.resume();
        if (hop >= MAX_REDIRECTS) throw gmpError('GMP_ERR_UPSTREAM_STATUS', `upstream ${this.name}: too many redirects`);
        const next = new URL(String(res.headers.location), url);
        if (url.protocol === 'https:' && next.protocol !== 'https:') {
          throw gmpError('GMP_ERR_UPSTREAM_STATUS', `upstream ${this.name}: refused redirect from https to ${next.protocol}`);
        }
        url = next;
        continue;
      }
      this.metrics?.upstreamLatency.observe({ upstream: this.name, endpoint }, (performance.now() - started) / 1000);
      if (res.statusCode !== 200) {
        const text = await readErrorText(res.body);
        throw errorFromStatus(this.name, res.statusCode, text);
      }
      const len = Number(res.headers['content-length']);
      return { body: res.body, contentLength: Number.isFinite(len) ? len : undefined };
    }
  }

  private classify(err: unknown): GmpError {
    if (err instanceof GmpError) {
      if (!err.notFound) this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: 'status' });
      return err;
    }
    const timeout =
      err instanceof undiciErrors.ConnectTimeoutError || err instanceof undiciErrors.HeadersTimeoutError || err instanceof undiciErrors.BodyTimeoutError;
    this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: timeout ? 'timeout' : 'network' });
    const reason = (err as Error | undefined)?.message ?? String(err);
    return timeout
      ? gmpError('GMP_ERR_UPSTREAM_TIMEOUT', `upstream ${this.name} timed out: ${reason}`, err)
      : gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', `upstream ${this.name} unreachable: ${reason}`, err);
  }
}

function isServerError(err: unknown): boolean {
  return err instanceof UpstreamStatusError && err.serverError;
}

function basicAuth(u: URL): string {
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

async function readErrorText(body: AsyncIterable<Uint8Array | string>): Promise<string> {
  return (await readPrefix(body, 4096)).data.toString('utf8');
}
