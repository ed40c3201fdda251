// Tests for signed notes and keys against the digest's §9 vectors and vectors from Go's x/mod sumdb/note.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, keyHash, newEd25519VerifierKey, newSigner, newVerifier } from './note-keys.js';
import { InvalidSignatureError, open, sign, UnknownVerifierError, UnverifiedNoteError, verifierList } from './note.js';
import { bytes, PN_SIGNER, PN_VERIFIER, vectors } from './testdata/vectors.js';

const V = vectors.note;
const TREE3 = 'go.sum database tree\n3\nXJVgyeqZ3X9TFi1DypBArCfAZ7Mw9+RuHRSxcezTLPE=\n';
const TREE3_SIG = '— PeterNeumann x08goxQ7NJnXsZlrnnlPoD3iVH3aPf4svhchoUOynSwM7B9CjaoGkgglV+yAgG+GrTMj0Itc5xA5Kzr80OtTsJND/g0=\n';

describe('note keys', () => {
  test('the PeterNeumann signer and verifier keys parse and agree on name and key hash', () => {
    const s = newSigner(PN_SIGNER);
    const v = newVerifier(PN_VERIFIER);
    assert.equal(s.name, 'PeterNeumann');
    assert.equal(v.keyHash, 0xc74f20a3);
    assert.equal(s.keyHash, v.keyHash);
    assert.equal(s.verifierKey, PN_VERIFIER);
  });

  test('the key hash of sum.golang.org is 033de0ae', () => {
    const key = Buffer.from('Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8', 'base64');
    assert.equal(keyHash('sum.golang.org', key), 0x033de0ae);
  });

  test('verifier keys are accepted or refused exactly as Go does', () => {
    for (const c of V.verifierKeys) {
      if (c.ok) assert.doesNotThrow(() => newVerifier(c.key), c.key);
      else assert.throws(() => newVerifier(c.key), { message: c.err }, c.key);
    }
  });

  test('signer keys are accepted or refused exactly as Go does', () => {
    for (const c of V.signerKeys) {
      if (c.ok) assert.doesNotThrow(() => newSigner(c.key), c.key);
      else assert.throws(() => newSigner(c.key), { message: c.err }, c.key);
    }
  });

  test('a generated key pair signs notes that its verifier key opens', () => {
    const { signerKey, verifierKey } = generateKey('example.com/fresh');
    assert.match(signerKey, /^PRIVATE\+KEY\+example\.com\/fresh\+[0-9a-f]{8}\+A[A-Za-z0-9+/]{43}$/);
    const s = newSigner(signerKey);
    assert.equal(s.verifierKey, verifierKey);
    const n = open(sign('hello\n', [s]), verifierList(newVerifier(verifierKey)));
    assert.equal(n.text, 'hello\n');
  });

  test('a raw Ed25519 public key becomes the verifier key Go would print', () => {
    const raw = Buffer.from(PN_VERIFIER.split('+')[2] ?? '', 'base64').subarray(1);
    assert.equal(newEd25519VerifierKey('PeterNeumann', raw), PN_VERIFIER);
    assert.throws(() => newEd25519VerifierKey('x', raw.subarray(1)), /invalid public key size 31/);
  });
});

describe('signing notes', () => {
  const pn = newSigner(PN_SIGNER);

  test('signing the size-3 tree gives the digest §9 signature line', () => {
    assert.equal(sign(TREE3, [pn]).toString(), `${TREE3}\n${TREE3_SIG}`);
  });

  test('signing matches Go byte for byte with one and with two signers', () => {
    const s2 = newSigner(V.signer2);
    assert.equal(sign(V.text, [pn]).toString(), V.signedPN);
    assert.equal(sign(V.text, [pn, s2]).toString(), V.signedBoth);
  });

  test('re-signing keeps the other signatures first and replaces the signer’s own', () => {
    const opened = open(V.signedBoth, verifierList(newVerifier(PN_VERIFIER), newVerifier(V.verifier2)));
    assert.equal(sign(opened, [pn]).toString(), V.resigned);
  });

  test('text that does not end in a newline cannot be signed', () => {
    assert.throws(() => sign('no newline', [pn]), /malformed note/);
  });
});

describe('opening notes', () => {
  test('each case from Go opens to the same text and signatures, or fails with the same error', () => {
    for (const c of V.open) {
      const known = verifierList(...c.verifiers.map((k) => newVerifier(k)));
      const msg = bytes(c.msg);
      if (c.err !== undefined) {
        assert.throws(() => open(msg, known), { message: c.err }, c.name);
        continue;
      }
      const n = open(msg, known);
      const conv = (s: { name: string; hash: number; base64: string }) => ({ Name: s.name, Hash: s.hash, Base64: s.base64 });
      assert.equal(n.text, c.text, c.name);
      assert.deepEqual(n.sigs.map(conv), c.sigs ?? [], c.name);
      assert.deepEqual(n.unverifiedSigs.map(conv), c.unverified ?? [], c.name);
    }
  });

  test('the failures are typed: unknown keys only, and a bad known signature', () => {
    const pnOnly = verifierList(newVerifier(PN_VERIFIER));
    const k2 = sign(V.text, [newSigner(V.signer2)]);
    assert.throws(
      () => open(k2, pnOnly),
      (e) => e instanceof UnverifiedNoteError && e.note.unverifiedSigs.length === 1,
    );
    const forged = V.signedPN.replace('cryptography', 'Cryptography');
    assert.throws(() => open(forged, pnOnly), InvalidSignatureError);
    assert.throws(() => pnOnly.verifier('Other', 1), UnknownVerifierError);
  });
});
