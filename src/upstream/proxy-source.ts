// A raw source backed by one upstream GOPROXY (http(s) or file://): builds the request paths of §1.1 and
// reads the answers with hard size limits, within the fill's deadline. The fill component validates what
// it gets.
import { Transform } from 'node:stream';
import { GmpError, gmpError } from '../errors.js';
import type { Metrics } from '../metrics.js';
import { MAX_GO_MOD, MAX_ZIP_FILE } from '../modzip/zip-check.js';
import { pipeIntoFile } from '../storage/file-pipe.js';
import { badContent } from '../protocol/answers.js';
import { Reclaimer } from '../reclaim.js';
import { latestPath, listPath, versionPath } from '../protocol/url-path.js';
import type { FillDeadline } from './deadline.js';
import { readAtMost } from './read-body.js';
import type { FetchedZip, RawFetcher, RawResponse, RawSource, SourceHealth, SourceOptions } from './source.js';

const MAX_LIST = 16 << 20;
const MAX_INFO = 1 << 20;
/**
 * A zip whose announced length is at most this is read into memory and handed up without a scratch file:
 * the file stream's turns cost more than the bytes on a small zip, and its checks can then read memory.
 */
const SMALL_ZIP = 1 << 20;

export class ProxySource implements RawSource {
  readonly name: string;
  readonly health: SourceHealth | undefined;

  constructor(
    private readonly fetcher: RawFetcher,
    private readonly metrics?: Metrics,
  ) {
    this.name = fetcher.name;
    this.health = fetcher.health;
  }

  list(modulePath: string, opts?: SourceOptions): Promise<Buffer> {
    return this.readSmall(listPath(modulePath), 'list', MAX_LIST, opts);
  }

  info(modulePath: string, query: string, opts?: SourceOptions): Promise<Buffer> {
    return this.readSmall(versionPath(modulePath, query, 'info'), 'info', MAX_INFO, opts);
  }

  latest(modulePath: string, opts?: SourceOptions): Promise<Buffer> {
    return this.readSmall(latestPath(modulePath), 'latest', MAX_INFO, opts);
  }

  mod(modulePath: string, version: string, opts?: SourceOptions): Promise<Buffer> {
    return this.readSmall(versionPath(modulePath, version, 'mod'), 'mod', MAX_GO_MOD, opts);
  }

  zip(modulePath: string, version: string, file: string, opts: SourceOptions = {}): Promise<FetchedZip> {
    const what = `zip for ${modulePath}@${version}`;
    return this.fetcher.fetch(versionPath(modulePath, version, 'zip'), 'zip', (res) => this.readZip(res, file, what, opts.deadline), opts);
  }

  /** Streams a zip into `file` (truncated first: a retry starts over), counting and bounding its size. */
  private async readZip(res: RawResponse, file: string, what: string, deadline?: FillDeadline): Promise<FetchedZip> {
    if (res.contentLength !== undefined && res.contentLength > MAX_ZIP_FILE) {
      res.body.destroy();
      throw this.bad(`${what}: larger than 500 MiB`);
    }
    if (res.contentLength !== undefined && res.contentLength <= SMALL_ZIP) return this.readSmallZip(res, res.contentLength, what, deadline);
    let size = 0;
    // The chunks are dropped once written: collect them every few megabytes, not at 60 MiB (reclaim.ts).
    const reclaim = new Reclaimer();
    const counter = new Transform({
      transform: (chunk: Buffer, _enc, cb) => {
        size += chunk.length;
        reclaim.passed(chunk.length);
        deadline?.progress(size);
        if (size > MAX_ZIP_FILE) cb(this.bad(`${what}: larger than ${MAX_ZIP_FILE} bytes`));
        else cb(null, chunk);
      },
    });
    try {
      await pipeIntoFile(file, `writing ${what}`, res.body, counter);
    } catch (err) {
      // Our own disk failing comes as a GmpError (local I/O, full disk) and passes as it is; the rest is the body's.
      throw this.bodyError(err, what);
    }
    if (res.contentLength !== undefined && size !== res.contentLength) throw this.bodyError(new Error(`${size} of ${res.contentLength} bytes`), what);
    return { size };
  }

  /**
   * A zip of announced length `length` (small): into memory, exactly that many bytes. No scratch file: the fill
   * checks it in memory and stores it with one write (a file written here would cost three more thread-pool
   * round trips per zip, and two to open and close it for answers).
   */
  private async readSmallZip(res: RawResponse, length: number, what: string, deadline?: FillDeadline): Promise<FetchedZip> {
    const bytes = await this.readWhole(res, length, what);
    deadline?.progress(length);
    return { size: length, bytes };
  }

  private readSmall(rel: string, endpoint: string, limit: number, opts: SourceOptions = {}): Promise<Buffer> {
    const what = `${endpoint} answer for ${rel}`;
    return this.fetcher.fetch(rel, endpoint, (res) => this.readWhole(res, limit, what, rel), opts);
  }

  /**
   * A whole body in memory: at most `limit` bytes (more is bad content) and exactly the announced length (less
   * is a network failure). `where` names the answer in the message of a body that breaks off.
   */
  private async readWhole(res: RawResponse, limit: number, what: string, where = what): Promise<Buffer> {
    let data: Buffer;
    try {
      data = await readAtMost(res.body, limit, () => this.bad(`${what}: larger than ${limit} bytes`));
    } catch (err) {
      throw this.bodyError(err, where);
    }
    if (res.contentLength !== undefined && data.length !== res.contentLength) {
      throw this.bodyError(new Error(`${data.length} of ${res.contentLength} bytes`), what);
    }
    return data;
  }

  /** A body that stalls or breaks off is a network failure (retried like one), not bad content. */
  private bodyError(err: unknown, what: string): GmpError {
    if (err instanceof GmpError) return err;
    // A body sent as gzip (Content-Encoding) that does not decompress: wrong content, not a network failure.
    if (/^Z_/.test(String((err as NodeJS.ErrnoException | undefined)?.code ?? '')))
      return this.bad(`${what}: not the gzip stream its Content-Encoding says (${(err as Error).message})`);
    const name = (err as Error | undefined)?.name ?? '';
    if (name === 'BodyTimeoutError') return gmpError('GMP_ERR_UPSTREAM_TIMEOUT', `upstream ${this.name} stalled while sending ${what}`, err);
    this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: 'network' });
    return gmpError(
      'GMP_ERR_UPSTREAM_UNREACHABLE',
      `upstream ${this.name}: ${what}: body ended early (${(err as Error | undefined)?.message ?? 'read error'})`,
      err,
    );
  }

  private bad(what: string): GmpError {
    this.metrics?.upstreamErrors.inc({ upstream: this.name, kind: 'bad_content' });
    return badContent(this.name, what) as GmpError;
  }
}
