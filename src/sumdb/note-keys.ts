// Signer and verifier keys for signed notes (§7.2, x/mod sumdb/note): parsing, key hashes and
// generation in Go's exact string formats, with Ed25519 from node:crypto.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeStdBase64, encodeStdBase64, hex8, isValidKeyName } from './encoding.js';

const ALG_ED25519 = 1;
// DER prefixes that wrap a raw 32-byte Ed25519 seed (PKCS#8) or public key (SPKI).
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export interface Verifier {
  readonly name: string;
  readonly keyHash: number;
  verify(msg: Uint8Array, sig: Uint8Array): boolean;
}

export interface Signer {
  readonly name: string;
  readonly keyHash: number;
  sign(msg: Uint8Array): Buffer;
}

/** A key string that cannot be used; the messages are Go's. */
export class KeyFormatError extends Error {
  override readonly name = 'KeyFormatError';
}

/** First 4 bytes, big-endian, of SHA-256(name ‖ "\n" ‖ key), where key is the algorithm byte and the public key. */
export function keyHash(name: string, key: Uint8Array): number {
  return createHash('sha256').update(name, 'utf8').update('\n').update(key).digest().readUInt32BE(0);
}

/** Splits at the first sep, like note.chop. */
function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

function parseHash16(s: string): number | null {
  return /^[0-9a-fA-F]{8}$/.test(s) ? Number.parseInt(s, 16) : null;
}

function ed25519Public(raw: Uint8Array): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
}

function ed25519Private(seed: Uint8Array): KeyObject {
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
}

function rawPublic(priv: KeyObject): Buffer {
  return createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
}

/** note.NewVerifier: parses `<name>+<hash>+<base64(alg ‖ key)>`. */
export function newVerifier(vkey: string): Verifier {
  const [name, rest] = chop(vkey, '+');
  const [hash16, key64] = chop(rest, '+');
  const hash = parseHash16(hash16);
  const key = decodeStdBase64(key64);
  if (hash === null || key === null || !isValidKeyName(name) || key.length === 0) {
    throw new KeyFormatError('malformed verifier id');
  }
  if (hash !== keyHash(name, key)) throw new KeyFormatError('invalid verifier hash');
  if (key[0] !== ALG_ED25519) throw new KeyFormatError('unknown verifier algorithm');
  if (key.length !== 33) throw new KeyFormatError('malformed verifier id');
  const pub = ed25519Public(key.subarray(1));
  return {
    name,
    keyHash: hash,
    // Go's ed25519.Verify answers false, rather than failing, for a signature of the wrong size.
    verify: (msg, sig) => sig.length === 64 && verify(null, msg, pub, sig),
  };
}

/** note.NewSigner: parses `PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>`. */
export function newSigner(skey: string): Signer & { readonly verifierKey: string } {
  const [priv1, r1] = chop(skey, '+');
  const [priv2, r2] = chop(r1, '+');
  const [name, r3] = chop(r2, '+');
  const [hash16, key64] = chop(r3, '+');
  const hash = parseHash16(hash16);
  const key = decodeStdBase64(key64);
  if (priv1 !== 'PRIVATE' || priv2 !== 'KEY' || hash === null || key === null || !isValidKeyName(name) || key.length === 0) {
    throw new KeyFormatError('malformed verifier id');
  }
  if (key[0] !== ALG_ED25519) throw new KeyFormatError('unknown verifier algorithm');
  if (key.length !== 33) throw new KeyFormatError('malformed verifier id');
  const priv = ed25519Private(key.subarray(1));
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), rawPublic(priv)]);
  if (hash !== keyHash(name, pubkey)) throw new KeyFormatError('invalid verifier hash');
  return {
    name,
    keyHash: hash,
    verifierKey: `${name}+${hex8(hash)}+${encodeStdBase64(pubkey)}`,
    sign: (msg) => sign(null, msg, priv),
  };
}

/** note.NewEd25519VerifierKey: the verifier key string for a raw 32-byte Ed25519 public key. */
export function newEd25519VerifierKey(name: string, publicKey: Uint8Array): string {
  if (publicKey.length !== 32) throw new KeyFormatError(`invalid public key size ${publicKey.length}, expected 32`);
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), publicKey]);
  return `${name}+${hex8(keyHash(name, pubkey))}+${encodeStdBase64(pubkey)}`;
}

/** note.GenerateKey: a fresh Ed25519 key pair as (signer key, verifier key) strings. */
export function generateKey(name: string): { signerKey: string; verifierKey: string } {
  if (!isValidKeyName(name)) throw new KeyFormatError(`invalid key name ${JSON.stringify(name)}`);
  const { privateKey } = generateKeyPairSync('ed25519');
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d ?? '', 'base64url');
  const pubkey = Buffer.concat([Buffer.of(ALG_ED25519), rawPublic(privateKey)]);
  const h = hex8(keyHash(name, pubkey));
  return {
    signerKey: `PRIVATE+KEY+${name}+${h}+${encodeStdBase64(Buffer.concat([Buffer.of(ALG_ED25519), seed]))}`,
    verifierKey: `${name}+${h}+${encodeStdBase64(pubkey)}`,
  };
}
