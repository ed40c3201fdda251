// Checks pseudo.ts against Go 1.19's module/pseudo.go (vectors from the real code) and the digest's §9 examples.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as pseudo from './pseudo.js';
import { xmodVectors } from './testdata/vectors.js';

interface Row {
  v: string;
  isPseudo: boolean;
  base: string;
  baseErr: string | null;
  time: string;
  timeErr: string | null;
  rev: string;
  revErr: string | null;
}
const rows = xmodVectors.pseudo as Row[];
const when = new Date('2019-11-09T02:19:31Z');

describe('parsing pseudo-versions', () => {
  test('isPseudoVersion agrees with Go for every vector', () => {
    for (const r of rows) assert.equal(pseudo.isPseudoVersion(r.v), r.isPseudo, r.v);
  });

  test("pseudoVersionBase returns Go's base or throws Go's error for every vector", () => {
    for (const r of rows) {
      if (r.baseErr === null) assert.equal(pseudo.pseudoVersionBase(r.v), r.base, r.v);
      else assert.throws(() => pseudo.pseudoVersionBase(r.v), { message: r.baseErr }, r.v);
    }
  });

  test("pseudoVersionTime returns Go's time or throws Go's error for every vector", () => {
    for (const r of rows) {
      if (r.timeErr === null) assert.equal(pseudo.pseudoVersionTime(r.v).toISOString().replace('.000Z', 'Z'), r.time, r.v);
      else assert.throws(() => pseudo.pseudoVersionTime(r.v), { message: r.timeErr }, r.v);
    }
  });

  test("pseudoVersionRev returns Go's revision or throws Go's error for every vector", () => {
    for (const r of rows) {
      if (r.revErr === null) assert.equal(pseudo.pseudoVersionRev(r.v), r.rev, r.v);
      else assert.throws(() => pseudo.pseudoVersionRev(r.v), { message: r.revErr }, r.v);
    }
  });

  test('handles the digest examples', () => {
    assert.equal(pseudo.pseudoVersionBase('v1.2.3-0.20191109021931-daa7c04131f5'), 'v1.2.2');
    assert.equal(pseudo.isPseudoVersion('v1.2.3-pre.20191109021931-daa7c04131f5'), false);
    assert.throws(() => pseudo.pseudoVersionBase('v1.2.0-0.20191109021931-daa7c04131f5'), /negative patch number/);
    assert.throws(() => pseudo.pseudoVersionBase('v0.0.0-20191109021931-daa7c04131f5+incompatible'), /lacks base version/);
    assert.equal(pseudo.pseudoVersionTime('v0.0.0-20191109021931-daa7c04131f5').getTime(), when.getTime());
  });
});

describe('building pseudo-versions', () => {
  test('pseudoVersion matches module.PseudoVersion for every vector', () => {
    for (const r of xmodVectors.pseudoGen as Array<{ major: string; older: string; rev: string; time: string; result: string }>) {
      assert.equal(pseudo.pseudoVersion(r.major, r.older, new Date(r.time), r.rev), r.result, `${r.major} ${r.older}`);
    }
  });

  test('builds the digest examples, carrying +incompatible and incrementing the patch as a decimal', () => {
    assert.equal(pseudo.pseudoVersion('', '', when, 'daa7c04131f5'), 'v0.0.0-20191109021931-daa7c04131f5');
    assert.equal(pseudo.pseudoVersion('', 'v1.3.1', when, 'daa7c04131f5'), 'v1.3.2-0.20191109021931-daa7c04131f5');
    assert.equal(pseudo.pseudoVersion('', 'v1.3.1-pre', when, 'daa7c04131f5'), 'v1.3.1-pre.0.20191109021931-daa7c04131f5');
    assert.equal(pseudo.pseudoVersion('', 'v1.2.9', when, 'daa7c04131f5'), 'v1.2.10-0.20191109021931-daa7c04131f5');
    assert.equal(pseudo.pseudoVersion('v2', 'v2.0.9+incompatible', when, 'daa7c04131f5'), 'v2.0.10-0.20191109021931-daa7c04131f5+incompatible');
  });

  test('uses the UTC time cut to whole seconds', () => {
    const t = new Date('2019-11-09T04:19:31.999+02:00');
    assert.equal(pseudo.pseudoVersion('', '', t, 'abc'), 'v0.0.0-20191109021931-abc');
  });

  test('zeroPseudoVersion matches module.ZeroPseudoVersion', () => {
    for (const [major, want] of Object.entries(xmodVectors.zeroPseudo as Record<string, string>)) {
      assert.equal(pseudo.zeroPseudoVersion(major), want);
    }
  });
});
