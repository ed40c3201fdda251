// The own checksum database's signer key: configured, or generated once and kept in the data directory
// (mode 0600); its name must be the configured database name.
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import { writeAtomic } from '../storage/atomic-file.js';
import { dataPaths } from '../storage/data-dirs.js';
import { generateKey, newSigner } from '../sumdb/note-keys.js';

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
