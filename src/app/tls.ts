// gomodproxy serving https itself (--tls-cert, --tls-key): the go command sends credentials only over
// https. The files are read at start and again on SIGHUP (a renewed certificate needs no restart); a
// reload that fails keeps the certificate in use.
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';
import type { SecureContextOptions } from 'node:tls';
import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import { fileReason, settingError } from './setting-error.js';

export interface TlsPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/** Something whose certificate can be swapped while it runs (node's https/tls servers). */
export interface SecureServer {
  setSecureContext(options: SecureContextOptions): void;
}

export const tlsEnabled = (config: Readonly<Config>): boolean => config.tls.cert !== '';

/** The certificate and key, or undefined without --tls-cert; throws a readable error for a bad file. */
export async function readTls(config: Readonly<Config>): Promise<TlsPair | undefined> {
  if (!tlsEnabled(config)) return undefined;
  const read = (file: string, flag: string) =>
    readFile(file).catch((err: unknown) => {
      throw settingError(flag, `cannot read ${file}: ${fileReason(err)}`, err);
    });
  const [cert, key] = await Promise.all([read(config.tls.cert, 'tls-cert'), read(config.tls.key, 'tls-key')]);
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    // Not PEM, or a key of another certificate: OpenSSL's reason, with the files named.
    throw settingError(
      'tls-cert',
      `${config.tls.cert} and ${config.tls.key} (--tls-key) are not a usable PEM certificate and its key: ${(err as Error).message}`,
      err,
    );
  }
  return { cert, key };
}

/** Reads the files again and swaps them in; logs (and keeps the old pair) when they do not load. */
export async function reloadTls(server: SecureServer, config: Readonly<Config>, log: Logger): Promise<boolean> {
  try {
    const pair = await readTls(config);
    if (pair === undefined) return false;
    server.setSecureContext({ cert: pair.cert, key: pair.key });
    log.info({ cert: config.tls.cert }, 'reloaded the TLS certificate');
    return true;
  } catch (err) {
    log.error({ err: (err as Error).message, cert: config.tls.cert }, 'could not reload the TLS certificate; keeping the one in use');
    return false;
  }
}
