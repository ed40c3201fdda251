// gomodproxy's own checksum database: a signer key (configured, or generated once and kept in the data
// directory), a durable append-only log, and records for every module version the proxy serves.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { GmpError } from '../errors.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { writeAtomic } from '../storage/atomic-file.js';
import { FileLogStorage } from '../sumdb/file-log-storage.js';
import { generateKey, newSigner } from '../sumdb/note-keys.js';
import { ServerLog } from '../sumdb/server-log.js';

/** Where the proxy's served bytes come from: the module cache (which verifies public modules first). */
export interface ModuleHashes {
  zipHash(modulePath: string, version: string): Promise<string>;
  goMod(modulePath: string, version: string): Promise<Buffer>;
}

export interface SignerKey {
  readonly signerKey: string;
  readonly verifierKey: string;
  /** Where the key came from, for messages (never the key itself). */
  readonly source: string;
}

export function keyFilePath(config: Readonly<Config>): string {
  return config.ownSumdb.keyFile !== '' ? path.resolve(config.ownSumdb.keyFile) : path.join(path.resolve(config.data), 'own-sumdb', 'signer.key');
}

/** The configured key, else the key file; undefined when neither exists. Throws on a key for another name. */
export async function loadKey(config: Readonly<Config>): Promise<SignerKey | undefined> {
  const name = config.ownSumdb.name;
  const check = (skey: string, source: string) => {
    const signer = newSigner(skey.trim());
    if (signer.name !== name)
      throw new Error(
        `the own checksum database key from ${source} is for ${JSON.stringify(signer.name)}, but its name is configured as ${JSON.stringify(name)}`,
      );
    return { signerKey: skey.trim(), verifierKey: signer.verifierKey, source };
  };
  if (config.ownSumdb.key !== '') return check(config.ownSumdb.key, 'ownSumdb.key');
  const file = keyFilePath(config);
  const existing = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  return existing === undefined ? undefined : check(existing, file);
}

/** The server's key: loadKey, else a new key written to the key file (mode 0600). Only `serve` creates one. */
export async function loadOrCreateKey(config: Readonly<Config>): Promise<SignerKey & { created: boolean }> {
  const found = await loadKey(config);
  if (found !== undefined) return { ...found, created: false };
  const file = keyFilePath(config);
  const { signerKey, verifierKey } = generateKey(config.ownSumdb.name);
  await mkdir(path.dirname(file), { recursive: true });
  await writeAtomic(file, `${signerKey}\n`);
  return { signerKey, verifierKey, source: file, created: true };
}

/** How long served versions are gathered before they are appended in one commit. */
const RECORD_BATCH_MS = 50;

interface PendingRecord {
  readonly modulePath: string;
  readonly version: string;
  readonly redact: (p: string) => string;
}

export class OwnSumdb {
  #hashes: ModuleHashes | undefined;
  #pending: PendingRecord[] = [];
  #flushTimer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  /** The batch being hashed and appended, if any (it never rejects: #flush logs its failures). */
  #flushing: Promise<void> = Promise.resolve();

  readonly log: ServerLog;

  private constructor(
    private readonly storage: FileLogStorage,
    signerKey: string,
    private readonly logger: Logger,
  ) {
    this.log = new ServerLog(storage, signerKey, { gosum: (p, v) => this.gosum(p, v) });
  }

  static async open(config: Readonly<Config>, logger: Logger): Promise<OwnSumdb> {
    const key = await loadOrCreateKey(config);
    if (key.created) logger.info({ keyFile: key.source, verifierKey: key.verifierKey }, 'generated a signer key for the own checksum database');
    const storage = await FileLogStorage.open(path.join(path.resolve(config.data), 'own-sumdb', 'log'));
    return new OwnSumdb(storage, key.signerKey, logger);
  }

  get name(): string {
    return this.log.name;
  }

  /** Connects the log to the module cache; lookups of unknown versions fetch through it. */
  attach(hashes: ModuleHashes): void {
    this.#hashes = hashes;
  }

  /** The go.sum lines for a version the proxy can serve, or undefined when it cannot (404). */
  async gosum(modulePath: string, version: string): Promise<Buffer | undefined> {
    if (this.#hashes === undefined) return undefined;
    try {
      const [zip, mod] = await Promise.all([this.#hashes.zipHash(modulePath, version), this.#hashes.goMod(modulePath, version)]);
      return Buffer.from(`${modulePath} ${version} ${zip}\n${modulePath} ${version}/go.mod ${hashGoMod(mod)}\n`);
    } catch (err) {
      if (err instanceof GmpError && err.notFound) return undefined;
      throw err;
    }
  }

  /**
   * Records a version the proxy served. Versions are gathered for a moment and appended in one commit
   * (one fsync for many fills); failures are logged, never thrown: serving does not wait on this.
   */
  record(modulePath: string, version: string, redact: (p: string) => string): void {
    this.#pending.push({ modulePath, version, redact });
    this.#flushTimer ??= setTimeout(() => {
      this.#flushTimer = undefined;
      void this.#startFlush();
    }, RECORD_BATCH_MS);
  }

  /** Runs #flush after any batch still in progress, and remembers it, so flush() can wait for both. */
  #startFlush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#flush());
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const batch = this.#pending.splice(0);
    const texts = await Promise.all(
      batch.map(({ modulePath, version, redact }) =>
        this.gosum(modulePath, version).catch((err: unknown) => {
          this.logger.error({ err, module: redact(modulePath), version }, 'could not hash a module for the own checksum database');
          return undefined;
        }),
      ),
    );
    const records = batch.flatMap((b, i) => (texts[i] === undefined ? [] : [{ path: b.modulePath, version: b.version, text: texts[i] as Buffer }]));
    if (records.length === 0) return;
    this.#writing = this.log
      .add(records)
      .then(() => undefined)
      .catch((err: unknown) => this.logger.error({ err, records: records.length }, 'could not record modules in the own checksum database'));
    await this.#writing;
  }

  /** Appends what is still pending now, without waiting for the batch timer; waits for a batch already hashing. */
  async flush(): Promise<void> {
    if (this.#flushTimer !== undefined) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
      void this.#startFlush();
    }
    await this.#flushing;
    await this.#writing;
  }

  /** Appends what is still pending, then closes the log files. */
  async close(): Promise<void> {
    await this.flush();
    await this.storage.close();
  }
}
