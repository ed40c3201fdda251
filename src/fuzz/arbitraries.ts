// Generators shared by the fuzz properties: valid module paths and versions, strings "near" valid ones
// (the interesting edge of every parser), and Go's notion of white space.
import fc from 'fast-check';
import { checkPath } from '../protocol/module-path.js';

/** Strings drawn from a small alphabet: short, so most cases sit near the grammar's edges. */
export function stringOf(chars: string | readonly string[], maxLength = 24, minLength = 0): fc.Arbitrary<string> {
  const units = typeof chars === 'string' ? [...chars] : chars;
  return fc.string({ unit: fc.constantFrom(...units), minLength, maxLength });
}

/** Characters that trip path, escaping and URL code: separators, case, non-ASCII, a lone surrogate. */
export const TRICKY_CHARS = [...'aAzZv0129.-_~/!+@%# :?', 'é', 'ß', 'K', '\u212a', '\u0301', '😀', '\ud800', '\u0000', '\n', '\\'];

/** A UTF-16 half without its other half: what Go would see as invalid UTF-8. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Any string, weighted towards short ones built from tricky characters. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: stringOf(TRICKY_CHARS, 40) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
);

/** unicode.IsSpace: what Go's strings.TrimSpace and strings.Fields treat as white space. */
export const GO_SPACES = [
  '\t',
  '\n',
  '\v',
  '\f',
  '\r',
  ' ',
  '\u0085',
  '\u00a0',
  '\u1680',
  '\u2000',
  '\u200a',
  '\u2028',
  '\u2029',
  '\u202f',
  '\u205f',
  '\u3000',
];

/** A short run of white space as Go sees it (U+0085 yes, U+FEFF no: the opposite of JavaScript's trim()). */
export const goSpace: fc.Arbitrary<string> = stringOf([...GO_SPACES, ' ', ' '], 3);

const hostLabel = fc.stringMatching(/^[a-z0-9](?:[a-z0-9-]{0,5}[a-z0-9])?$/);
/** A first path element: lower-case DNS-like labels with at least one dot. */
export const hostName: fc.Arbitrary<string> = fc.array(hostLabel, { minLength: 2, maxLength: 3 }).map((ls) => ls.join('.'));
// WHATWG URL refuses a numeric last label ("a.0", read as IPv4) and a bad punycode label ("xn--a"), where Go's
// url.Parse takes both; no server has such a name, so host names used in URLs avoid them.
export const dnsName: fc.Arbitrary<string> = fc
  .tuple(hostName, fc.constantFrom('com', 'org', 'internal', 'test'))
  .map(([h, tld]) => `${h}.${tld}`)
  .filter((h) => !/(^|\.)xn--/.test(h));
const pathElem = fc.stringMatching(/^[A-Za-z0-9_~-](?:[A-Za-z0-9._~-]{0,7}[A-Za-z0-9_~-])?$/);

/** Module paths that pass CheckPath: plain, with a /vN suffix, or gopkg.in/x.vN. */
export const modulePath: fc.Arbitrary<string> = fc
  .oneof(
    { weight: 4, arbitrary: fc.tuple(hostName, fc.array(pathElem, { maxLength: 3 })).map(([h, es]) => [h, ...es].join('/')) },
    {
      weight: 2,
      arbitrary: fc.tuple(hostName, fc.array(pathElem, { maxLength: 2 }), fc.integer({ min: 2, max: 12 })).map(([h, es, m]) => [h, ...es, `v${m}`].join('/')),
    },
    { weight: 1, arbitrary: fc.tuple(pathElem, fc.nat({ max: 5 }), fc.boolean()).map(([n, m, u]) => `gopkg.in/${n}.v${m}${u ? '-unstable' : ''}`) },
  )
  .filter((p) => checkPath(p) === undefined);

/** A decimal number as semver writes it (no leading zeros), sometimes far beyond 2^64. */
export const semverNumber: fc.Arbitrary<string> = fc
  .oneof({ weight: 4, arbitrary: fc.nat({ max: 12 }) }, { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 2n ** 70n }) })
  .map(String);

const alnumIdent = fc.stringMatching(/^[0-9A-Za-z-]{0,3}[A-Za-z-][0-9A-Za-z-]{0,3}$/);
/** One prerelease identifier: numeric (no leading zero) or alphanumeric. */
export const prereleaseIdent: fc.Arbitrary<string> = fc.oneof(semverNumber, alnumIdent);

export interface SemverParts {
  major: string;
  minor: string;
  patch: string;
  pre: string[];
  build: string[];
}

export const semverParts: fc.Arbitrary<SemverParts> = fc.record({
  major: semverNumber,
  minor: semverNumber,
  patch: semverNumber,
  pre: fc.array(prereleaseIdent, { maxLength: 3 }),
  build: fc.array(fc.stringMatching(/^[0-9A-Za-z-]{1,4}$/), { maxLength: 2 }),
});

export function formatSemver(p: SemverParts): string {
  const pre = p.pre.length > 0 ? `-${p.pre.join('.')}` : '';
  const build = p.build.length > 0 ? `+${p.build.join('.')}` : '';
  return `v${p.major}.${p.minor}.${p.patch}${pre}${build}`;
}

/** Canonical versions a proxy serves: vX.Y.Z[-pre][+incompatible]. */
export const canonicalVersion: fc.Arbitrary<string> = fc
  .tuple(semverParts, fc.boolean())
  .map(([p, inc]) => formatSemver({ ...p, build: [] }) + (inc ? '+incompatible' : ''));

/** A version or query that can be escaped into a URL: an ASCII file-name element without "!". */
export const escapableQuery: fc.Arbitrary<string> = fc.oneof(
  canonicalVersion,
  stringOf('abzABZ019.-_~+#$%&()=@[]^{}, ', 12, 1).filter((s) => !/^\.+$/.test(s) && !s.endsWith('.')),
);

/** A string from `base` with one to three single-character edits (insert, delete, replace) from `chars`. */
export function mutated(base: fc.Arbitrary<string>, chars: string | readonly string[]): fc.Arbitrary<string> {
  const units = typeof chars === 'string' ? [...chars] : chars;
  const edit = fc.tuple(fc.constantFrom('insert', 'delete', 'replace'), fc.nat(), fc.constantFrom(...units));
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 3 })).map(([s, edits]) => {
    let out = s;
    for (const [kind, at, ch] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + (kind === 'insert' ? 1 : 0));
      if (kind === 'insert') out = out.slice(0, i) + ch + out.slice(i);
      else if (kind === 'delete') out = out.slice(0, i) + out.slice(i + 1);
      else out = out.slice(0, i) + ch + out.slice(i + 1);
    }
    return out;
  });
}

/** JSON with every non-ASCII or invisible character escaped, so that failure messages show what was there. */
export function show(value: unknown): string {
  return JSON.stringify(value).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
