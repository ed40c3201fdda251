// Fuzz properties for GOPROXY lists (proxy-list.ts) against go-module-protocols.md §1.5: items split at
// "," and "|", trimmed as Go trims, the separator after an item sets its fallback, off/direct end the list.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { anyString, dnsName, GO_SPACES, goSpace, show, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { formatProxyList, parseProxyList, ProxyListError } from './proxy-list.js';
import type { ProxyEntry } from './proxy-list.js';

const SPACE = `[${GO_SPACES.join('')}]`;
/** strings.TrimSpace: Go trims unicode.IsSpace, which has U+0085 and lacks U+FEFF (JavaScript's trim() is the reverse). */
const goTrim = (s: string) => s.replace(new RegExp(`^${SPACE}+|${SPACE}+$`, 'g'), '');

/** Items whose meaning the model knows: keywords, bare hosts, full URLs, and ones Go refuses. */
const item = fc.oneof(
  { weight: 3, arbitrary: fc.tuple(dnsName, fc.constantFrom('', '/', '/mod', '/a/b/')).map(([h, p]) => h + p) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.constantFrom('https://', 'http://', 'HTTPS://'), dnsName, fc.constantFrom('', ':8080', ':3000/x', '/p/'))
      .map((parts) => parts.join('')),
  },
  { weight: 1, arbitrary: fc.constantFrom('file:///srv/goproxy', 'file:///tmp/x/') },
  { weight: 2, arbitrary: fc.constantFrom('direct', 'off') },
  { weight: 2, arbitrary: fc.constant('') },
  { weight: 1, arbitrary: fc.constantFrom('bareword', 'noproxy', 'Direct', 'ftp://h.example.com', 'https://h.example.com/?q=1', 'localhost') },
);

const INVALID = new Set(['bareword', 'noproxy', 'Direct', 'ftp://h.example.com', 'https://h.example.com/?q=1', 'localhost']);

/** A GOPROXY value: items with Go white space around them, joined by "," or "|", sometimes with a trailing separator. */
const proxyValue = fc
  .array(fc.tuple(goSpace, item, goSpace, fc.constantFrom(',', '|')), { maxLength: 5 })
  .chain((parts) => fc.tuple(fc.constant(parts), fc.boolean()))
  .map(([parts, trailing]) => parts.map(([a, it, b, sep], i) => a + it + b + (i < parts.length - 1 || trailing ? sep : '')).join(''));

/** cmd/go's proxyList over the items above: the entries, or undefined where Go reports an error. */
function model(value: string): ProxyEntry[] | undefined {
  const out: ProxyEntry[] = [];
  const pieces = value.split(/([,|])/);
  for (let i = 0; i < pieces.length; i += 2) {
    const raw = goTrim(pieces[i] as string);
    const fallBackOnError = pieces[i + 1] === '|';
    if (raw === '') continue;
    if (raw === 'off' || raw === 'direct') {
      out.push({ kind: raw, fallBackOnError: false });
      return out;
    }
    if (INVALID.has(raw) || raw !== raw.trim()) return undefined;
    const url = /[.:/]/.test(raw) && !raw.includes(':/') ? `https://${raw}` : raw;
    out.push({ kind: 'url', url: url.replace(/\/+$/, ''), fallBackOnError });
  }
  return out.length === 0 ? undefined : out;
}

function parseOrError(value: string): ProxyEntry[] | ProxyListError {
  try {
    return parseProxyList(value);
  } catch (err) {
    assert.ok(err instanceof ProxyListError && err.message.length > 0, String(err));
    return err;
  }
}

/** The last entry's fallback flag means nothing (§1.5): nothing comes after it. */
const settled = (entries: readonly ProxyEntry[]) => entries.map((e, i) => (i === entries.length - 1 ? { ...e, fallBackOnError: false } : e));

export const proxyListProperties = [
  fuzz('parseProxyList returns at least one entry or throws a ProxyListError, for any string', 1500, () =>
    fc.property(fc.oneof(proxyValue, stringOf([...',|. :/', 'off', 'direct', 'https://', 'a', '\u0085', '\ufeff'], 12), anyString), (value) => {
      const r = parseOrError(value);
      if (!(r instanceof ProxyListError)) assert.ok(r.length > 0);
    }),
  ),

  fuzz('GOPROXY entries follow §1.5: trimmed as Go trims, empty ones skipped, fallback set by the separator after, off/direct last', 1500, () =>
    fc.property(proxyValue, (value) => {
      const want = model(value);
      const got = parseOrError(value);
      if (want === undefined) return assert.ok(got instanceof ProxyListError, `${show(value)} → ${show(got)}`);
      assert.deepEqual(got, want, show(value));
    }),
  ),

  fuzz('formatProxyList writes a list that parses back to the same entries', 1000, () =>
    fc.property(proxyValue, (value) => {
      const entries = parseOrError(value);
      if (entries instanceof ProxyListError) return;
      assert.deepEqual(settled(parseProxyList(formatProxyList(entries))), settled(entries));
    }),
  ),

  fuzz('a single bare word that is not a keyword is refused for its missing scheme', 500, () =>
    fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,10}$/), (word) => {
      if (word === 'off' || word === 'direct') return;
      assert.throws(
        () => parseProxyList(word),
        (err: unknown) => err instanceof ProxyListError && /missing scheme/.test(err.message),
      );
    }),
  ),
];
