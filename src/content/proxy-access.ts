// What warm and bundle export need from a gomodproxy: its GOPROXY and /sumdb/ answers, and its zips. Two
// implementations: a running proxy over HTTP (--url, here) and a data directory through the composition
// root in this process (src/app/local-access.ts), so both fill through the same fill path and gates.
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Agent, fetch } from 'undici';
import type { Response } from 'undici';
import { MAX_ZIP_FILE } from '../modzip/zip-check.js';
import { escapePath, escapeVersion } from '../protocol/escape.js';

export interface ZipState {
  readonly size: number;
  /** Known without reading the zip (the proxy's stored hash), else undefined. */
  readonly h1?: string;
}

export interface ProxyAccess {
  /** Where it is, for messages. */
  readonly name: string;
  /** A GET of a GOPROXY or /sumdb/ path: the body, or undefined for 404/410; other answers throw AccessError. */
  get(path: string, signal?: AbortSignal): Promise<Buffer | undefined>;
  /** Makes the proxy hold the zip (filling it if needed); undefined when it does not exist. */
  ensureZip(modulePath: string, version: string, signal?: AbortSignal): Promise<ZipState | undefined>;
  /** The zip's bytes into a local file; its size. */
  downloadZip(modulePath: string, version: string, file: string, signal?: AbortSignal): Promise<number>;
  close(): Promise<void>;
}

export class AccessError extends Error {
  override readonly name = 'AccessError';

  /**
   * `hint`: what to do about it, the same for every failure of its kind (a private CA), which a run of many
   * failures tells once (`failure`); the message still ends with it, for anyone who prints the error itself.
   */
  constructor(
    readonly brief: string,
    readonly hint?: string,
  ) {
    super(hint === undefined ? brief : `${brief} (${hint})`);
  }
}

/** What a failure says, with the hint an AccessError carries kept apart: a run lists the failures, then each hint once. */
export function failure(err: unknown): { readonly error: string; readonly hint?: string } {
  if (!(err instanceof AccessError)) return { error: (err as Error).message };
  return err.hint === undefined ? { error: err.brief } : { error: err.brief, hint: err.hint };
}

export const artifactPath = (modulePath: string, version: string, ext: 'info' | 'mod' | 'zip'): string =>
  `/${escapePath(modulePath)}/@v/${escapeVersion(version)}.${ext}`;

export interface HttpAccessOptions {
  /** Sent as a Bearer token, for a proxy that asks one of readers of its private modules (--auth). */
  readonly token?: string;
  /** The certificate authorities to trust (undici's connect.ca), for a proxy behind a private CA. */
  readonly ca?: readonly (string | Buffer)[];
}

/** Node's codes for a server certificate no trusted authority signed (not for an expired one or another name). */
const UNTRUSTED_CERT = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);

/** What to do about it: the commands trust what the go command trusts (upstream/tls-trust.ts). */
const PRIVATE_CA_HINT = 'a private CA? name its PEM file in SSL_CERT_FILE, or its directory in SSL_CERT_DIR, as for the go command';

/** A running gomodproxy (or any GOPROXY with a /sumdb/ relay) over HTTP. */
export class HttpAccess implements ProxyAccess {
  readonly name: string;
  readonly #base: string;
  readonly #headers: Record<string, string>;
  readonly #dispatcher: Agent;

  constructor(url: string, opts: HttpAccessOptions = {}) {
    this.#base = url.replace(/\/+$/, '');
    this.name = this.#base;
    this.#headers = opts.token === undefined ? {} : { authorization: `Bearer ${opts.token}` };
    this.#dispatcher = new Agent(opts.ca === undefined ? {} : { connect: { ca: [...opts.ca] } });
  }

  async get(path: string, signal?: AbortSignal): Promise<Buffer | undefined> {
    const res = await this.#fetch('GET', path, signal);
    if (res === undefined) return undefined;
    return Buffer.from(await res.arrayBuffer());
  }

  async ensureZip(modulePath: string, version: string, signal?: AbortSignal): Promise<ZipState | undefined> {
    const res = await this.#fetch('HEAD', artifactPath(modulePath, version, 'zip'), signal);
    if (res === undefined) return undefined;
    // gomodproxy's zip ETag is the h1 without its prefix; anything else is not taken for one.
    const etag = /^"([A-Za-z0-9+/]{43}=)"$/.exec(res.headers.get('etag') ?? '')?.[1];
    return { size: Number(res.headers.get('content-length') ?? 0), h1: etag === undefined ? undefined : `h1:${etag}` };
  }

  async downloadZip(modulePath: string, version: string, file: string, signal?: AbortSignal): Promise<number> {
    const path = artifactPath(modulePath, version, 'zip');
    const res = await this.#fetch('GET', path, signal);
    if (res?.body == null) throw new AccessError(`${this.#base}${path}: not found`);
    let n = 0;
    const limit = async function* (src: AsyncIterable<Uint8Array>) {
      for await (const chunk of src) {
        n += chunk.length;
        if (n > MAX_ZIP_FILE) throw new AccessError(`${path}: larger than ${MAX_ZIP_FILE} bytes`);
        yield chunk;
      }
    };
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream<Uint8Array>), limit, createWriteStream(file), { signal });
    return n;
  }

  async close(): Promise<void> {
    await this.#dispatcher.close();
  }

  async #fetch(method: string, path: string, signal?: AbortSignal): Promise<Response | undefined> {
    let res: Response;
    try {
      res = await fetch(this.#base + path, { method, signal, headers: this.#headers, dispatcher: this.#dispatcher });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as Error).cause instanceof Error ? ((err as Error).cause as NodeJS.ErrnoException) : (err as NodeJS.ErrnoException);
      throw new AccessError(`${this.#base}${path}: ${cause.message}`, UNTRUSTED_CERT.has(cause.code ?? '') ? PRIVATE_CA_HINT : undefined);
    }
    if (res.status === 200) return res;
    const text = method === 'HEAD' ? '' : (await res.text().catch(() => '')).split('\n')[0]?.slice(0, 300);
    if (res.status === 404 || res.status === 410) return undefined;
    throw new AccessError(`${this.#base}${path}: ${res.status}${text === '' ? '' : ` ${text}`}`);
  }
}
