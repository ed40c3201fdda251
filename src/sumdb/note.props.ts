// Fuzz properties for signed notes, keys, tree notes, records and lookup paths (note.ts, note-keys.ts,
// tree-note.ts, lookup-path.ts; go-module-protocols.md §7.1–7.2): round trips, tamper evidence, no crashes.
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, createHash } from 'node:crypto';
import fc from 'fast-check';
import { anyString, canonicalVersion, modulePath, mutated, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { modelUnescape } from '../protocol/escape.props.js';
import { escapePath } from '../protocol/escape.js';
import { decodeStdBase64, hex8 } from './encoding.js';
import { caseEscape, caseUnescape, lookupPath, parseLookupTarget } from './lookup-path.js';
import { KeyFormatError, newSigner, newVerifier } from './note-keys.js';
import type { Signer, Verifier } from './note-keys.js';
import { InvalidSignatureError, MalformedNoteError, open, sign, UnknownVerifierError, UnverifiedNoteError, verifierList } from './note.js';
import { formatRecord, formatTree, MalformedRecordError, MalformedTreeError, parseRecord, parseTree } from './tree-note.js';

const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');

/** A signer key string built from a seed by hand (§7.2), so runs replay from fast-check's seed alone. */
function signerKey(name: string, seed: Uint8Array): string {
  const priv = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519, seed]), format: 'der', type: 'pkcs8' });
  const pub = createPublicKey(priv).export({ format: 'der', type: 'spki' }).subarray(-32);
  const hash = createHash('sha256').update(`${name}\n`).update(Buffer.of(1)).update(pub).digest().readUInt32BE(0);
  return `PRIVATE+KEY+${name}+${hex8(hash)}+${Buffer.concat([Buffer.of(1), seed]).toString('base64')}`;
}

const keyName = fc.oneof(fc.stringMatching(/^[A-Za-z0-9._/-]{1,12}$/), fc.constantFrom('sum.golang.org', 'Пётр', '例え'));

function pairFrom(name: string, seed: Uint8Array): { signerKey: string; signer: Signer & { verifierKey: string }; verifier: Verifier } {
  const key = signerKey(name, seed);
  const signer = newSigner(key);
  return { signerKey: key, signer, verifier: newVerifier(signer.verifierKey) };
}

let pool: Array<ReturnType<typeof pairFrom>> | undefined;
/** Four fixed pairs, two of them sharing a name, made once: the note properties vary the notes, not the keys. */
const keyPair = fc.nat({ max: 3 }).map((i) => {
  pool ??= [
    pairFrom('PeterNeumann', Buffer.alloc(32, 1)),
    pairFrom('sum.golang.org', Buffer.alloc(32, 2)),
    pairFrom('sum.golang.org', Buffer.alloc(32, 3)),
    pairFrom('Пётр', Buffer.alloc(32, 4)),
  ];
  return pool[i] as ReturnType<typeof pairFrom>;
});

/** Note text: valid UTF-8 lines without control characters, blank lines allowed, ending in "\n". */
const noteText = fc
  .array(fc.oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'grapheme', maxLength: 8 }), fc.constant('')), { minLength: 1, maxLength: 5 })
  .map((lines) => `${lines.join('\n').replace(/[\x00-\x09\x0b-\x1f]/g, '.')}\n`);

const NOTE_ERRORS = [MalformedNoteError, UnverifiedNoteError, InvalidSignatureError, UnknownVerifierError];

/** open(), or the note error it threw; any other exception fails the property. */
function openOrError(msg: Uint8Array | string, known: ReturnType<typeof verifierList>): ReturnType<typeof open> | Error {
  try {
    return open(msg, known);
  } catch (err) {
    assert.ok(NOTE_ERRORS.some((E) => err instanceof E) && (err as Error).message.length > 0, `open threw ${String(err)}`);
    return err as Error;
  }
}

const sigBytes = (b64: string) => decodeStdBase64(b64)?.toString('hex');

export const noteProperties = [
  fuzz('a note signed by several keys opens with any of them to the same text, the others kept as unverified signatures', 200, () =>
    fc.property(noteText, fc.array(keyPair, { minLength: 1, maxLength: 3 }), fc.nat(), (text, pairs, pick) => {
      const signers: Signer[] = pairs.map((p) => p.signer);
      const msg = sign(text, signers);
      const known: Verifier = (pairs[pick % pairs.length] as (typeof pairs)[number]).verifier;
      const n = openOrError(msg, verifierList(known));
      assert.ok(!(n instanceof Error), String(n));
      assert.equal(n.text, text);
      assert.deepEqual(
        n.sigs.map((s) => [s.name, s.hash]),
        [[known.name, known.keyHash]],
      );
      assert.equal(n.sigs.length + n.unverifiedSigs.length, new Set(signers.map((s) => `${s.name}+${s.keyHash}`)).size);
    }),
  ),

  fuzz('any single-byte change to a signed note is refused, unless it only touches base64 padding bits Go ignores too', 400, () =>
    fc.property(noteText, keyPair, fc.nat(), fc.integer({ min: 1, max: 255 }), (text, { signer, verifier }, at, xor) => {
      const msg = sign(text, [signer]);
      const original = open(msg, verifierList(verifier));
      const bad = Buffer.from(msg);
      const i = at % bad.length;
      bad[i] = (bad[i] as number) ^ xor;
      const n = openOrError(bad, verifierList(verifier));
      if (n instanceof Error) return;
      // Accepted: then the signed text and the signature bytes must be exactly what was signed.
      assert.equal(n.text, original.text, `byte ${i} changed the text and still verified`);
      assert.equal(sigBytes(n.sigs[0]?.base64 ?? ''), sigBytes(original.sigs[0]?.base64 ?? ''), `byte ${i}`);
    }),
  ),

  fuzz('open() throws only note errors, with a message, for random bytes and for notes with random signatures', 800, () =>
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 200 }),
        anyString,
        fc
          .tuple(
            noteText,
            fc.constantFrom('— ', '—', '- ', ''),
            keyName,
            fc.constantFrom(' ', '', '  '),
            fc.uint8Array({ maxLength: 80 }),
            fc.constantFrom('\n', '', '\n\n'),
          )
          .map(([t, dash, name, sp, sig, end]) => `${t}\n${dash}${name}${sp}${Buffer.from(sig).toString('base64')}${end}`),
      ),
      keyPair,
      (msg, { verifier }) => {
        openOrError(msg, verifierList(verifier));
      },
    ),
  ),

  fuzz('a signature line naming a known key with random signature bytes is an InvalidSignatureError', 300, () =>
    fc.property(keyPair, fc.uint8Array({ minLength: 0, maxLength: 70 }), ({ verifier }, raw) => {
      const h = Buffer.alloc(4);
      h.writeUInt32BE(verifier.keyHash);
      const msg = `hello\n\n— ${verifier.name} ${Buffer.concat([h, raw]).toString('base64')}\n`;
      const err = openOrError(msg, verifierList(verifier));
      assert.ok(err instanceof InvalidSignatureError || (raw.length === 0 && err instanceof MalformedNoteError), String(err));
    }),
  ),

  // Key objects cost milliseconds each, so only this property makes keys from fresh seeds.
  fuzz('a key pair made from any name and seed parses back to the same name and hash, and verifies what it signs', 60, () =>
    fc.property(keyName, fc.uint8Array({ minLength: 32, maxLength: 32 }), noteText, (name, seed, text) => {
      const { signer, verifier } = pairFrom(name, seed);
      assert.deepEqual([verifier.name, verifier.keyHash], [name, signer.keyHash]);
      assert.equal(open(sign(text, [signer]), verifierList(verifier)).text, text);
    }),
  ),

  fuzz('signer and verifier key parsers throw only KeyFormatError on malformed keys', 500, () =>
    fc.property(
      fc.oneof(
        anyString,
        mutated(
          keyPair.map((p) => p.signer.verifierKey),
          '+=/Aa0é ',
        ),
        mutated(
          keyPair.map((p) => p.signerKey),
          '+=/Aa0é ',
        ),
        fc.tuple(keyName, fc.uint8Array({ maxLength: 40 })).map(([n, k]) => `PRIVATE+KEY+${n}+00000000+${Buffer.from(k).toString('base64')}`),
      ),
      (key) => {
        for (const parse of [newVerifier, newSigner]) {
          try {
            parse(key);
          } catch (err) {
            assert.ok(err instanceof KeyFormatError && err.message.length > 0, `${parse.name}(${JSON.stringify(key)}) threw ${String(err)}`);
          }
        }
      },
    ),
  ),

  fuzz('tree notes round-trip, ignore extra lines, and refuse sizes written any other way', 500, () =>
    fc.property(
      fc.maxSafeNat(),
      fc.uint8Array({ minLength: 32, maxLength: 32 }),
      fc.array(fc.string(), { maxLength: 2 }),
      fc.constantFrom('0', '+', ' ', '-0'),
      (n, h, extra, pad) => {
        const tree = { n, hash: Buffer.from(h) };
        assert.deepEqual(parseTree(formatTree(tree)), tree);
        assert.deepEqual(parseTree(formatTree(tree) + extra.map((l) => `${l.replace(/\n/g, '')}\n`).join('')), tree);
        assert.throws(() => parseTree(formatTree(tree).replace(/\n[0-9]+\n/, `\n${pad}${n}\n`)), MalformedTreeError);
      },
    ),
  ),

  fuzz('lookup records round-trip through formatRecord and parseRecord, with the signed note after them', 500, () =>
    fc.property(
      fc.maxSafeNat(),
      fc.array(fc.string({ minLength: 1, maxLength: 30 }), { minLength: 1, maxLength: 4 }),
      fc.uint8Array({ maxLength: 60 }),
      (id, lines, rest) => {
        const text = Buffer.from(`${lines.map((l) => l.replace(/[\x00-\x1f]/g, '.')).join('\n')}\n`);
        const r = parseRecord(Buffer.concat([formatRecord(id, text), Buffer.from(rest)]));
        assert.equal(r.id, id);
        assert.ok(r.text.equals(text));
        assert.ok(r.rest.equals(Buffer.from(rest)));
      },
    ),
  ),

  fuzz('the tree and record parsers throw only their own errors on garbage', 800, () =>
    fc.property(
      fc.oneof(
        anyString,
        fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.from(b).toString('latin1')),
        mutated(fc.constant(formatTree({ n: 3, hash: Buffer.alloc(32) })), '\n0+ ='),
      ),
      (s) => {
        try {
          parseTree(s);
        } catch (err) {
          assert.ok(err instanceof MalformedTreeError, String(err));
        }
        try {
          parseRecord(Buffer.from(s, 'utf8'));
        } catch (err) {
          assert.ok(err instanceof MalformedRecordError, String(err));
        }
      },
    ),
  ),

  fuzz('lookup paths decode exactly as x/mod unescapes, and parseLookupTarget inverts lookupPath', 800, () =>
    fc.property(fc.oneof(anyString, stringOf('ab!!A/é.', 12)), modulePath, canonicalVersion, fc.boolean(), (s, p, v, goMod) => {
      assert.equal(caseUnescape(s), modelUnescape(s));
      assert.equal(caseEscape(p), escapePath(p));
      const target = lookupPath(p, goMod ? `${v}/go.mod` : v).slice('/lookup/'.length);
      // The x/mod server accepts only +incompatible as build metadata, which is all a canonical version has.
      assert.deepEqual(parseLookupTarget(target), { path: p, version: v });
    }),
  ),
];
