// The own checksum database's signer key when replicas share a coordinator: every replica must sign with the
// same key, or clients see tree heads that do not verify. A configured key (--own-sumdb-key or an explicit
// --own-sumdb-key-file) is used as given, and its verifier key is compared with the one the first replica
// published; without one, the first replica's key (its old key file, else a new key) is shared through the
// coordinator by compare-and-set, and kept in this replica's default key file so that a restart during an
// outage of the coordinator still has it. The trade-off: that key is then readable in PostgreSQL or Redis.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { gmpError, isGmpError } from '../errors.js';
import { writeAtomic } from '../storage/atomic-file.js';
import { generateKey, newSigner } from '../sumdb/note-keys.js';
import type { SignerKey } from './own-key.js';
import { keyFilePath, loadKey, loadOrCreateKey } from './own-key.js';

export const signerValueKey = (db: string): string => `ownsumdb/${db}/signer`;
export const verifierValueKey = (db: string): string => `ownsumdb/${db}/verifier`;

export interface SharedKey extends SignerKey {
  readonly created: boolean;
  /** This replica had a key file of its own with another key: it now signs with the shared one. */
  readonly replacedLocal?: boolean;
}

export async function sharedSignerKey(config: Readonly<Config>, coord: Coordinator): Promise<SharedKey> {
  const name = config.ownSumdb.name;
  if (config.ownSumdb.key !== '' || config.ownSumdb.keyFile !== '') {
    const key = await loadOrCreateKey(config);
    await publishVerifier(coord, name, key, true);
    return key;
  }
  const local = await loadKey(config);
  let winner: string | undefined;
  let created = false;
  try {
    winner = await coord.get(signerValueKey(name));
    if (winner === undefined) {
      const candidate = local?.signerKey ?? generateKey(name).signerKey;
      created = local === undefined;
      if (!(await coord.cas(signerValueKey(name), undefined, candidate))) created = false;
      winner = (await coord.get(signerValueKey(name))) ?? candidate;
    }
  } catch (err) {
    if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) throw err;
    // The copy this replica kept the last time it started is the shared key (or the key it had alone).
    if (local !== undefined) return { ...local, created: false };
    throw gmpError(
      'GMP_ERR_COORDINATOR_UNAVAILABLE',
      `the own checksum database's signer key is shared through the coordinator, which cannot be reached (${err.message}); start again when it answers, or give every replica the same --own-sumdb-key-file`,
    );
  }
  const signer = newSigner(winner.trim());
  if (signer.name !== name)
    throw gmpError('GMP_ERR_CONFIG', `the signer key shared through the coordinator is for ${JSON.stringify(signer.name)}, not ${JSON.stringify(name)}`);
  const file = keyFilePath(config);
  if (local?.signerKey !== winner.trim()) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeAtomic(file, `${winner.trim()}\n`);
  }
  const replacedLocal = local !== undefined && local.signerKey !== winner.trim();
  const key = { signerKey: winner.trim(), verifierKey: signer.verifierKey, source: `the coordinator (kept in ${file})`, created, replacedLocal };
  await publishVerifier(coord, name, key, false);
  return key;
}

/** The first replica's verifier key is everyone's: a replica configured with another key must not start. */
async function publishVerifier(coord: Coordinator, name: string, key: SignerKey, configured: boolean): Promise<void> {
  let published: string | undefined;
  try {
    published = await coord.get(verifierValueKey(name));
    if (published === undefined && (await coord.cas(verifierValueKey(name), undefined, key.verifierKey))) return;
    published ??= await coord.get(verifierValueKey(name));
  } catch (err) {
    // Checked at the next start; a configured key is the operator's word meanwhile.
    if (configured && isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) return;
    throw err;
  }
  if (published !== undefined && published !== key.verifierKey)
    throw gmpError(
      'GMP_ERR_CONFIG',
      `the own checksum database's key from ${key.source} is not the key the other replicas sign with (${published}): give every replica the same key`,
    );
}
