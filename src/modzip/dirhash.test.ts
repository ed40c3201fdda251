// Checks the h1 hash against the digest's §9 vectors (made with Go 1.19's dirhash).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { hash1, hashGoMod } from './dirhash.js';

const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

describe('hashGoMod', () => {
  test('hashes a go.mod as Go does', () => {
    assert.equal(hashGoMod('module example.com/m\n'), 'h1:flS2VctbRrTv+sBE+VKgxx6hlkMGPVz9MGOmzMYFg3k=');
    assert.equal(hashGoMod(Buffer.from('module example.com/m\n')), 'h1:flS2VctbRrTv+sBE+VKgxx6hlkMGPVz9MGOmzMYFg3k=');
  });

  test('gives the known bad value for an empty go.mod', () => {
    assert.equal(hashGoMod(''), 'h1:G7mAYYxgmS0lVkHyy2hEOLQCFB0DlQFTMLWggykrydY=');
  });
});

describe('hash1', () => {
  const aGo = { name: 'example.com/m@v1.0.0/a.go', sha256: sha('package m\n') };
  const goMod = { name: 'example.com/m@v1.0.0/go.mod', sha256: sha('module example.com/m\n').toString('hex') };

  test('hashes the two-file zip vector, whatever the input order or digest form', () => {
    const want = 'h1:SXy42eQ/QbleX7vtuAPFnaM3tNuQnfeo7rulG/p7iOw=';
    assert.equal(hash1([aGo, goMod]), want);
    assert.equal(hash1([goMod, aGo]), want);
    assert.equal(hash1([{ ...goMod, sha256: goMod.sha256.toUpperCase() }, aGo]), want);
  });

  test('sorts names by UTF-8 bytes rather than UTF-16 code units', () => {
    const hi = { name: 'm@v1.0.0/\u{1F600}', sha256: sha('a') };
    const lo = { name: 'm@v1.0.0/\uFF5E', sha256: sha('b') };
    const summary = `${sha('b').toString('hex')}  ${lo.name}\n${sha('a').toString('hex')}  ${hi.name}\n`;
    const want = `h1:${createHash('sha256').update(summary).digest('base64')}`;
    assert.equal(hash1([hi, lo]), want);
  });

  test('refuses a file name containing a newline', () => {
    assert.throws(() => hash1([{ name: 'a\nb', sha256: sha('') }]), /newlines/);
  });

  test('refuses a digest that is not 32 bytes of hex', () => {
    assert.throws(() => hash1([{ name: 'a', sha256: 'abc' }]), /bad SHA-256/);
  });
});
