// gomodproxy's own checksum database: a signer key (configured, or generated once and kept in the data
// directory), a durable append-only log, and records for every module version the proxy fills (from the
// fill events); a lookup of an unknown version obtains it through the same fill component.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { GmpError } from '../errors.js';
import type { Fill, FillEvents, Want } from '../fill/types.js';
import { writeAtomic } from '../storage/atomic-file.js';
import { dataPaths } from '../storage/data-dirs.js';
import type { LogStorage } from '../sumdb/log-storage.js';
import { generateKey, newSigner } from '../sumdb/note-keys.js';
import { ServerLog } from '../sumdb/server-log.js';

export interface SignerKey {
  readonly signerKey: string;
  readonly verifierKey: string;
  /** Where the key came from, for messages (never the key itself). */
  readonly source: string;
}

export function keyFilePath(config: Readonly<Config>): string {
  return config.ownSumdb.keyFile !== '' ? path.resolve(config.ownSumdb.keyFile) : dataPaths(config.data).ownKeyFile;
}

/** The configured key, else the key file, else a new key written to the key file (mode 0600). */
export async function loadOrCreateKey(config: Readonly<Config>): Promise<SignerKey & { created: boolean }> {
  const name = config.ownSumdb.name;
  const check = (skey: string, source: string) => {
    const signer = newSigner(skey.trim());
    if (signer.name !== name)
      throw new Error(
        `the own checksum database key from ${source} is for ${JSON.stringify(signer.name)}, but its name is configured as ${JSON.stringify(name)}`,
      );
    return { signerKey: skey.trim(), verifierKey: signer.verifierKey, source, created: false };
  };
  if (config.ownSumdb.key !== '') return check(config.ownSumdb.key, 'ownSumdb.key');
  const file = keyFilePath(config);
  const existing = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (existing !== undefined) return check(existing, file);
  const { signerKey, verifierKey } = generateKey(name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeAtomic(file, `${signerKey}\n`);
  return { signerKey, verifierKey, source: file, created: true };
}

/** How long served versions are gathered before they are appended in one commit. */
const RECORD_BATCH_MS = 50;

export interface OwnSumdbDeps {
  readonly storage: LogStorage & { close?(): Promise<void> };
  readonly signerKey: string;
  /** The fill component (wrapped in singleflight and locking): stored artifacts, or a fill of unknown ones. */
  readonly fill: Fill;
  readonly events: FillEvents;
  readonly logger: Logger;
  readonly redact: (p: string) => string;
}

export class OwnSumdb {
  #pending: Array<{ modulePath: string; version: string }> = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  readonly #onFilled: (e: { module: string; version: string; kind: string }) => void;

  readonly log: ServerLog;

  constructor(private readonly deps: OwnSumdbDeps) {
    this.log = new ServerLog(deps.storage, deps.signerKey, { gosum: (p, v) => this.gosum(p, v) });
    // Every zip filled (after verification, for public modules) is recorded.
    this.#onFilled = (e) => {
      if (e.kind === 'zip') this.record(e.module, e.version);
    };
    deps.events.on('filled', this.#onFilled);
  }

  get name(): string {
    return this.log.name;
  }

  /** The go.sum lines for a version the proxy can serve, or undefined when it cannot (404). */
  async gosum(modulePath: string, version: string): Promise<Buffer | undefined> {
    const obtain = async (want: Want) => (await this.deps.fill.stored(want)) ?? (await this.deps.fill.fill(want));
    try {
      const [zip, mod] = await Promise.all([obtain({ kind: 'zip', module: modulePath, version }), obtain({ kind: 'mod', module: modulePath, version })]);
      return Buffer.from(`${modulePath} ${version} ${zip.h1}\n${modulePath} ${version}/go.mod ${mod.h1}\n`);
    } catch (err) {
      if (err instanceof GmpError && err.notFound) return undefined;
      throw err;
    }
  }

  /**
   * Records a version the proxy filled. Versions are gathered for a moment and appended in one commit
   * (one fsync for many fills); failures are logged, never thrown: serving does not wait on this.
   */
  record(modulePath: string, version: string): void {
    this.#pending.push({ modulePath, version });
    this.#flushTimer ??= setTimeout(() => void this.#flush(), RECORD_BATCH_MS);
  }

  async #flush(): Promise<void> {
    this.#flushTimer = undefined;
    const batch = this.#pending.splice(0);
    const texts = await Promise.all(
      batch.map(({ modulePath, version }) =>
        this.gosum(modulePath, version).catch((err: unknown) => {
          this.deps.logger.error({ err, module: this.deps.redact(modulePath), version }, 'could not hash a module for the own checksum database');
          return undefined;
        }),
      ),
    );
    const records = batch.flatMap((b, i) => (texts[i] === undefined ? [] : [{ path: b.modulePath, version: b.version, text: texts[i] as Buffer }]));
    if (records.length === 0) return;
    this.#writing = this.log
      .add(records)
      .then(() => undefined)
      .catch((err: unknown) => this.deps.logger.error({ err, records: records.length }, 'could not record modules in the own checksum database'));
    await this.#writing;
  }

  /** Appends what is still pending now, without waiting for the batch timer. */
  async flush(): Promise<void> {
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      await this.#flush();
    }
    await this.#writing;
  }

  /** Appends what is still pending, then closes the log. */
  async close(): Promise<void> {
    this.deps.events.off('filled', this.#onFilled);
    await this.flush();
    await this.deps.storage.close?.();
  }
}
