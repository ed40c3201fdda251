// Fuzz properties for GOSUMDB values (gosumdb.ts) against go-module-protocols.md §7.2 and the go command's
// dbDial/note.NewVerifier: fields split on Go white space, key hash over name and key, any change refused.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { anyString, dnsName, GO_SPACES, goSpace, mutated, show, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { parseGosumdb, SUM_GOLANG_ORG_KEY } from './gosumdb.js';

interface KeyParts {
  name: string;
  hash: string;
  b64: string;
}

/** A verifier key computed here from first principles (§7.2), its hash in any letter case (Go parses it as hex). */
const verifierKey: fc.Arbitrary<KeyParts> = fc
  .tuple(
    fc.tuple(dnsName, fc.constantFrom('', '/sumdb', '/a/b')).map(([h, p]) => h + p),
    fc.uint8Array({ minLength: 32, maxLength: 32 }),
    fc.constantFrom('lower', 'upper', 'mixed'),
  )
  .map(([name, pub, letterCase]) => {
    const key = Buffer.concat([Buffer.of(1), pub]);
    let hash = createHash('sha256').update(`${name}\n`).update(key).digest().subarray(0, 4).toString('hex');
    if (letterCase === 'upper') hash = hash.toUpperCase();
    if (letterCase === 'mixed') hash = hash.replace(/[a-f]/, (c) => c.toUpperCase());
    return { name, hash, b64: key.toString('base64') };
  });

const keyString = (k: KeyParts) => `${k.name}+${k.hash}+${k.b64}`;
const dbURL = fc.tuple(fc.constantFrom('https://', 'http://'), dnsName, fc.constantFrom('', '/', '/db/', ':8443/x')).map((p) => p.join(''));

function parseOrError(value: string): ReturnType<typeof parseGosumdb> | Error {
  try {
    return parseGosumdb(value);
  } catch (err) {
    assert.ok(err instanceof Error && !(err instanceof TypeError) && !(err instanceof RangeError) && err.message.length > 0, String(err));
    return err;
  }
}

export const gosumdbProperties = [
  fuzz('parseGosumdb returns off or a database, or throws a plain Error with a reason, for any string', 1500, () =>
    fc.property(
      fc.oneof(
        anyString,
        stringOf(['+', 'a', '.', '0', 'f', 'A', '=', '/', ' ', '\u0085', 'off', 'sum.golang.org'], 16),
        mutated(verifierKey.map(keyString), '+=/ aA0'),
      ),
      (value) => {
        parseOrError(value);
      },
    ),
  ),

  fuzz('a verifier key parses to its name, itself, and https://<name> or the URL given, whatever Go white space surrounds the fields', 1000, () =>
    fc.property(verifierKey, fc.option(dbURL), goSpace, goSpace, fc.constantFrom(...GO_SPACES), (k, url, before, after, between) => {
      const value = `${before}${keyString(k)}${url === null ? '' : between + url}${after}`;
      assert.deepEqual(parseOrError(value), { name: k.name, key: keyString(k), url: (url ?? `https://${k.name}`).replace(/\/+$/, '') }, show(value));
    }),
  ),

  fuzz('a change to any one character of the key hash or the key is refused', 1000, () =>
    fc.property(verifierKey, fc.nat(), fc.constantFrom(...'0123456789abcdefABCDEF+/=x'), (k, at, ch) => {
      const tail = `${k.hash}+${k.b64}`;
      const i = at % tail.length;
      if (tail[i]?.toLowerCase() === ch.toLowerCase() && i < 8) return;
      if (tail[i] === ch) return;
      const value = `${k.name}+${tail.slice(0, i)}${ch}${tail.slice(i + 1)}`;
      assert.ok(parseOrError(value) instanceof Error, show(value));
    }),
  ),

  fuzz('off, a known name, or more than two fields mean what the go command makes of them', 500, () =>
    fc.property(goSpace, goSpace, fc.constantFrom('off', 'sum.golang.org', 'x y z', 'sum.golang.org https://a.example https://b.example'), (a, b, word) => {
      const value = `${a}${word}${b}`;
      const got = parseOrError(value);
      if (word === 'off') assert.equal(got, 'off', show(value));
      else if (word === 'sum.golang.org') assert.deepEqual(got, { name: 'sum.golang.org', key: SUM_GOLANG_ORG_KEY, url: 'https://sum.golang.org' });
      else assert.ok(got instanceof Error && /optional URL/.test(got.message), show(got));
    }),
  ),
];
