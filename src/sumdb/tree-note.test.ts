// Tests for tree-note and lookup-record texts against the digest's §9 lookup body and Go's ParseTree/ParseRecord.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { newSigner } from './note-keys.js';
import { sign } from './note.js';
import { formatHash, parseHash } from './tlog.js';
import { formatRecord, formatTree, parseRecord, parseTree } from './tree-note.js';
import { bytes, PN_SIGNER, vectors } from './testdata/vectors.js';

const LOOKUP_2 = `2
c

go.sum database tree
3
XJVgyeqZ3X9TFi1DypBArCfAZ7Mw9+RuHRSxcezTLPE=

— PeterNeumann x08goxQ7NJnXsZlrnnlPoD3iVH3aPf4svhchoUOynSwM7B9CjaoGkgglV+yAgG+GrTMj0Itc5xA5Kzr80OtTsJND/g0=
`;

describe('tree notes', () => {
  test('the signed lookup body for record 2 of the a/b/c tree is exactly the digest §9 text', () => {
    const tree = { n: 3, hash: parseHash('XJVgyeqZ3X9TFi1DypBArCfAZ7Mw9+RuHRSxcezTLPE=') };
    const body = Buffer.concat([formatRecord(2, Buffer.from('c\n')), sign(formatTree(tree), [newSigner(PN_SIGNER)])]);
    assert.equal(body.toString(), LOOKUP_2);
  });

  test('tree texts parse, or are refused, exactly as Go’s ParseTree does', () => {
    for (const c of vectors.tlog.treeParse) {
      if (c.err !== undefined) {
        assert.throws(() => parseTree(c.text), { message: c.err }, JSON.stringify(c.text));
        continue;
      }
      const t = parseTree(Buffer.from(c.text));
      assert.equal(t.n, c.n);
      assert.equal(formatHash(t.hash), c.hash);
    }
  });
});

describe('lookup records', () => {
  test('the §9 lookup body splits into id 2, the record and the signed note', () => {
    const { id, text, rest } = parseRecord(Buffer.from(LOOKUP_2));
    assert.equal(id, 2);
    assert.equal(text.toString(), 'c\n');
    assert.ok(rest.toString().startsWith('go.sum database tree\n3\n'));
  });

  test('records parse, or are refused, as Go’s ParseRecord does (except negative ids, refused here)', () => {
    for (const c of vectors.tlog.recordParse) {
      const msg = bytes(c.msg);
      if (c.err !== undefined) {
        assert.throws(() => parseRecord(msg), { message: c.err }, JSON.stringify(msg.toString()));
        continue;
      }
      const r = parseRecord(msg);
      assert.equal(r.id, c.id);
      assert.deepEqual(r.text, bytes(c.text ?? ''));
      assert.deepEqual(r.rest, bytes(c.rest ?? ''));
    }
    assert.throws(() => parseRecord(Buffer.from('-1\nc\n\n')), /malformed record data/);
  });

  test('a record text must end in a newline and hold no blank line or control character', () => {
    assert.throws(() => formatRecord(0, Buffer.from('a')), /malformed record data/);
    assert.throws(() => formatRecord(0, Buffer.from('a\n\nb\n')), /malformed record data/);
    assert.throws(() => formatRecord(0, Buffer.from('a\tb\n')), /malformed record data/);
    assert.equal(formatRecord(7, Buffer.from('a b\n')).toString(), '7\na b\n\n');
  });
});
