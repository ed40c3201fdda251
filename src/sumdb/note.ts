// Signed notes (§7.2, x/mod sumdb/note): open a note against known verifiers and sign one, with Go's
// exact rules (split at the last blank line, U+2014 signature lines, unknown keys kept, ≤ 100 signatures).
import { decodeStdBase64, encodeStdBase64, hex8, isCleanText, isValidKeyName, readUint32BE } from './encoding.js';
import type { Signer, Verifier } from './note-keys.js';

export interface Signature {
  readonly name: string;
  readonly hash: number;
  /** base64 of the 4-byte key hash followed by the signature, as on the wire. */
  readonly base64: string;
}

export interface Note {
  readonly text: string;
  readonly sigs: readonly Signature[];
  readonly unverifiedSigs: readonly Signature[];
}

/** A lookup of verifiers by (name, key hash); it MUST throw UnknownVerifierError for an unknown pair. */
export interface Verifiers {
  verifier(name: string, hash: number): Verifier;
}

export class MalformedNoteError extends Error {
  override readonly name = 'MalformedNoteError';
  constructor(message = 'malformed note') {
    super(message);
  }
}

export class UnknownVerifierError extends Error {
  override readonly name = 'UnknownVerifierError';
  constructor(
    readonly keyName: string,
    readonly keyHash: number,
  ) {
    super(`unknown key ${keyName}+${hex8(keyHash)}`);
  }
}

export class InvalidSignatureError extends Error {
  override readonly name = 'InvalidSignatureError';
  constructor(
    readonly keyName: string,
    readonly keyHash: number,
  ) {
    super(`invalid signature for key ${keyName}+${hex8(keyHash)}`);
  }
}

/** The note parsed, but no signature came from a known key; the note is attached for diagnostics. */
export class UnverifiedNoteError extends Error {
  override readonly name = 'UnverifiedNoteError';
  constructor(readonly note: Note) {
    super('note has no verifiable signatures');
  }
}

const SIG_PREFIX = Buffer.from('— ', 'utf8');
const MAX_SIGS = 100;

/** note.VerifierList: two verifiers with the same name and hash make that pair ambiguous. */
export function verifierList(...list: Verifier[]): Verifiers {
  const m = new Map<string, Verifier[]>();
  for (const v of list) {
    const k = `${v.name}+${v.keyHash}`;
    m.set(k, [...(m.get(k) ?? []), v]);
  }
  return {
    verifier(name, hash) {
      const vs = m.get(`${name}+${hash}`);
      if (vs === undefined) throw new UnknownVerifierError(name, hash);
      if (vs.length > 1 || vs[0] === undefined) throw new Error(`ambiguous key ${name}+${hex8(hash)}`);
      return vs[0];
    },
  };
}

function parseSigLine(line: Buffer): { name: string; hash: number; b64: string; sig: Buffer } {
  if (!line.subarray(0, SIG_PREFIX.length).equals(SIG_PREFIX)) throw new MalformedNoteError();
  const rest = line.subarray(SIG_PREFIX.length).toString('utf8');
  const sp = rest.indexOf(' ');
  const name = sp < 0 ? rest : rest.slice(0, sp);
  const b64 = sp < 0 ? '' : rest.slice(sp + 1);
  const raw = decodeStdBase64(b64);
  if (raw === null || !isValidKeyName(name) || b64 === '' || raw.length < 5) throw new MalformedNoteError();
  return { name, hash: readUint32BE(raw), b64, sig: raw.subarray(4) };
}

/** note.Open: verifies msg against known; at least one known key must sign it, and a known bad signature fails. */
export function open(msg: Uint8Array | string, known: Verifiers = verifierList()): Note {
  const buf = typeof msg === 'string' ? Buffer.from(msg, 'utf8') : Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  if (!isCleanText(buf)) throw new MalformedNoteError();
  const split = buf.lastIndexOf('\n\n');
  if (split < 0) throw new MalformedNoteError();
  const text = buf.subarray(0, split + 1);
  let sigs = buf.subarray(split + 2);
  if (sigs.length === 0 || sigs[sigs.length - 1] !== 0x0a) throw new MalformedNoteError();

  const verified: Signature[] = [];
  const unverified: Signature[] = [];
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let numSig = 0;
  while (sigs.length > 0) {
    const nl = sigs.indexOf(0x0a);
    const line = sigs.subarray(0, nl);
    sigs = sigs.subarray(nl + 1);
    const { name, hash, b64, sig } = parseSigLine(line);
    if (++numSig > MAX_SIGS) throw new MalformedNoteError();

    let v: Verifier;
    try {
      v = known.verifier(name, hash);
    } catch (err) {
      if (!(err instanceof UnknownVerifierError)) throw err;
      const key = line.toString('latin1');
      if (!seenUnverified.has(key)) {
        seenUnverified.add(key);
        unverified.push({ name, hash, base64: b64 });
      }
      continue;
    }
    if (v.name !== name || v.keyHash !== hash) throw new Error("verifier name or hash doesn't match signature");
    const pair = `${name}+${hash}`;
    if (seen.has(pair)) continue;
    seen.add(pair);
    if (!v.verify(text, sig)) throw new InvalidSignatureError(name, hash);
    verified.push({ name, hash, base64: b64 });
  }
  const note: Note = { text: text.toString('utf8'), sigs: verified, unverifiedSigs: unverified };
  if (verified.length === 0) throw new UnverifiedNoteError(note);
  return note;
}

/** note.Sign: the note's existing signatures (except those the signers replace), then one line per signer. */
export function sign(note: string | (Partial<Note> & { text: string }), signers: readonly Signer[]): Buffer {
  const n = typeof note === 'string' ? { text: note } : note;
  if (!n.text.endsWith('\n')) throw new MalformedNoteError();
  const text = Buffer.from(n.text, 'utf8');
  const have = new Set<string>();
  const fresh: string[] = [];
  for (const s of signers) {
    have.add(`${s.name}+${s.keyHash}`);
    if (!isValidKeyName(s.name)) throw new Error('invalid signer');
    const hbuf = Buffer.alloc(4);
    hbuf.writeUInt32BE(s.keyHash);
    fresh.push(`— ${s.name} ${encodeStdBase64(Buffer.concat([hbuf, s.sign(text)]))}\n`);
  }
  const old: string[] = [];
  for (const sig of [...(n.sigs ?? []), ...(n.unverifiedSigs ?? [])]) {
    if (!isValidKeyName(sig.name)) throw new MalformedNoteError();
    if (have.has(`${sig.name}+${sig.hash}`)) continue;
    const raw = decodeStdBase64(sig.base64);
    if (raw === null || raw.length < 4 || readUint32BE(raw) !== sig.hash) throw new MalformedNoteError();
    old.push(`— ${sig.name} ${sig.base64}\n`);
  }
  return Buffer.concat([text, Buffer.from(`\n${old.join('')}${fresh.join('')}`, 'utf8')]);
}
