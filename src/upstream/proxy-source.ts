// A Source backed by one upstream GOPROXY (http(s) or file://): builds the request paths of §1.1 and
// validates every answer (§1.3) so that the chain can fall through on bad content after `|`.
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { GmpError, gmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { latestPath, listPath, versionPath } from '../protocol/url-path.js';
import { MAX_GO_MOD, MAX_ZIP_FILE, ModZipError, checkAndHashZip } from '../modzip/zip-check.js';
import type { Info, RawFetcher, Source, StageFn, ZipArtifact } from './source.js';
import { readAtMost } from './read-body.js';
import { badContent, parseInfo, parseList } from './validate.js';

const MAX_LIST = 16 << 20;
const MAX_INFO = 1 << 20;

export class ProxySource implements Source {
  readonly name: string;

  constructor(
    private readonly fetcher: RawFetcher,
    private readonly metrics?: Metrics,
  ) {
    this.name = fetcher.name;
  }

  async list(modulePath: string): Promise<string[]> {
    const text = await this.readSmall(listPath(modulePath), 'list', MAX_LIST);
    return parseList(modulePath, text.toString('utf8'));
  }

  async info(modulePath: string, query: string): Promise<Info> {
    const raw = await this.readSmall(versionPath(modulePath, query, 'info'), 'info', MAX_INFO);
    return this.checked(() => parseInfo(this.name, modulePath, raw, query));
  }

  async latest(modulePath: string): Promise<Info> {
    const raw = await this.readSmall(latestPath(modulePath), 'latest', MAX_INFO);
    return this.checked(() => parseInfo(this.name, modulePath, raw));
  }

  async mod(modulePath: string, version: string): Promise<Buffer> {
    return this.readSmall(versionPath(modulePath, version, 'mod'), 'mod', MAX_GO_MOD);
  }

  async zip(modulePath: string, version: string, stage: StageFn): Promise<ZipArtifact> {
    const rel = versionPath(modulePath, version, 'zip');
    const res = await this.fetcher.get(rel, 'zip');
    const staged = await stage();
    try {
      if (res.contentLength !== undefined && res.contentLength > MAX_ZIP_FILE) {
        res.body.destroy();
        throw this.bad(`zip for ${modulePath}@${version}: larger than 500 MiB`);
      }
      const size = await this.download(res.body, staged.path, MAX_ZIP_FILE, `zip for ${modulePath}@${version}`);
      const { h1 } = await checkAndHashZip(staged.path, modulePath, version).catch((err: unknown) => {
        if (err instanceof ModZipError) throw this.bad(`zip for ${modulePath}@${version}: ${err.message}`);
        throw err;
      });
      return { staged, size, h1 };
    } catch (err) {
      await staged.discard();
      throw err;
    }
  }

  private async readSmall(rel: string, endpoint: string, limit: number): Promise<Buffer> {
    const res = await this.fetcher.get(rel, endpoint);
    let data: Buffer;
    try {
      data = await readAtMost(res.body, limit, () => this.bad(`${endpoint} answer for ${rel}: larger than ${limit} bytes`));
    } catch (err) {
      throw this.bodyError(err, rel);
    }
    if (res.contentLength !== undefined && data.length !== res.contentLength) throw this.bad(`${endpoint} answer for ${rel}: truncated body`);
    return data;
  }

  private async download(body: Readable, file: string, limit: number, what: string): Promise<number> {
    let size = 0;
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        size += chunk.length;
        if (size > limit) cb(this.bad(`${what}: larger than ${limit} bytes`));
        else cb(null, chunk);
      },
    });
    try {
      await pipeline(body, counter, createWriteStream(file));
    } catch (err) {
      throw this.bodyError(err, what);
    }
    const fh = await open(file, 'r+');
    await fh.sync().finally(() => fh.close());
    return size;
  }

  private bodyError(err: unknown, what: string): GmpError {
    if (err instanceof GmpError) return err;
    const name = (err as Error | undefined)?.name ?? '';
    if (name === 'BodyTimeoutError') return gmpError('GMP_ERR_UPSTREAM_TIMEOUT', `upstream ${this.name} stalled while sending ${what}`, err);
    return this.bad(`${what}: body ended early (${(err as Error | undefined)?.message ?? 'read error'})`);
  }

  private checked<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof GmpError && err.code === 'GMP_ERR_UPSTREAM_BAD_CONTENT')
        this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: 'bad_content' });
      throw err;
    }
  }

  private bad(what: string): GmpError {
    this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: 'bad_content' });
    return badContent(this.name, what) as GmpError;
  }
}
