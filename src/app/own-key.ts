// The own checksum database's signer key: configured, or generated once and kept in the data directory
// (mode 0600); its name must be the configured database name.
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { atomicTempName, removeAtomicLeftovers } from '../storage/atomic-file.js';
import { dataPaths } from '../storage/data-dirs.js';
import { generateKey, newSigner } from '../sumdb/note-keys.js';
import { fileReason, settingError } from './setting-error.js';

export interface SignerKey {
  readonly signerKey: string;
  readonly verifierKey: string;
  /** Where the key came from, for messages (never the key itself). */
  readonly source: string;
}

export function keyFilePath(config: Readonly<Config>): string {
  return config.ownSumdb.keyFile !== '' ? path.resolve(config.ownSumdb.keyFile) : dataPaths(config.data).ownKeyFile;
}

/** The server's key: the configured one, else the key file's; undefined when there is none (never creates one). */
export async function loadKey(config: Readonly<Config>): Promise<SignerKey | undefined> {
  const name = config.ownSumdb.name;
  // A key that does not parse, or is another database's: the setting is named, the key itself never.
  const check = (skey: string, source: string, flag: string) => {
    let signer: ReturnType<typeof newSigner>;
    try {
      signer = newSigner(skey.trim());
    } catch (err) {
      throw settingError(
        flag,
        `${source === '' ? 'the key' : `the key in ${source}`} is not a signer key (${(err as Error).message}; expected PRIVATE+KEY+NAME+HASH+KEY, as gomodproxy generates)`,
      );
    }
    if (signer.name !== name)
      throw settingError(
        flag,
        `${source === '' ? 'the key' : `the key in ${source}`} is for ${JSON.stringify(signer.name)}, but the database's name is ${JSON.stringify(name)} (--own-sumdb-name)`,
      );
    return { signerKey: skey.trim(), verifierKey: signer.verifierKey, source: source === '' ? 'ownSumdb.key' : source };
  };
  if (config.ownSumdb.key !== '') return check(config.ownSumdb.key, '', 'own-sumdb-key');
  const file = keyFilePath(config);
  const existing = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw settingError('own-sumdb-key-file', `cannot read ${file}: ${fileReason(e)}`, e);
  });
  return existing === undefined ? undefined : check(existing, file, 'own-sumdb-key-file');
}

/** The server's key: loadKey, else a new key written to the key file (mode 0600). Only `serve` creates one. */
export async function loadOrCreateKey(config: Readonly<Config>): Promise<SignerKey & { created: boolean }> {
  // A key write that a crash interrupted leaves a temp file (holding a secret) beside the key: remove it.
  if (config.ownSumdb.key === '') await removeAtomicLeftovers(path.dirname(keyFilePath(config)));
  const found = await loadKey(config);
  if (found !== undefined) return { ...found, created: false };
  const file = keyFilePath(config);
  const { signerKey, verifierKey } = generateKey(config.ownSumdb.name);
  await mkdir(path.dirname(file), { recursive: true });
  // The workers of a first `serve --workers N` start at once: the first key written is everyone's (a link
  // never replaces a file; a rename would), the others read it, instead of each signing with a key of its own.
  const tmp = atomicTempName(file);
  let won: boolean;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(`${signerKey}\n`);
      await fh.sync();
    } finally {
      await fh.close();
    }
    won = await link(tmp, file).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') return false;
        throw e;
      },
    );
  } finally {
    await rm(tmp, { force: true });
  }
  if (!won) return { ...((await loadKey(config)) as SignerKey), created: false };
  const dir = await open(path.dirname(file), 'r');
  await dir.sync().finally(() => dir.close());
  return { signerKey, verifierKey, source: file, created: true };
}
