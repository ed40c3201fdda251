// Fuzz properties for "!" case-encoding (escape.ts, §1.2) and GOPROXY request paths (request.ts, §1.1):
// decoding accepts exactly x/mod's language, and a request path is percent-decoded once, then !-decoded.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isGmpError } from '../errors.js';
import { anyString, escapableQuery, modulePath, mutated, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { escapePath, escapeVersion, unescapePath, unescapeVersion } from './escape.js';
import { check, checkFileElem, checkPath, isCanonicalModuleVersion } from './module-path.js';
import { parseRequestPath } from './request.js';
import { goPathEscape, latestPath, listPath, versionPath } from './url-path.js';

/** x/mod's unescapeString (§1.2): no byte ≥ 0x80, no capital, every "!" followed by a-z; null when refused. */
export function modelUnescape(s: string): string | null {
  if (/[^\x00-\x7f]|[A-Z]|![^a-z]|!$/.test(s)) return null;
  return s.replace(/!([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** Escaped-looking strings: mostly lower case with "!" pairs, sometimes broken. */
export const escapedish = fc.oneof(
  stringOf('abz09.-_~/!!!A', 24),
  modulePath.map((p) => escapePath(p)),
  mutated(
    modulePath.map((p) => escapePath(p)),
    '!!aA/.é',
  ),
  anyString,
);

function assertBadRequest(fn: () => unknown, label: string): void {
  assert.throws(fn, (err: unknown) => isGmpError(err, 'GMP_ERR_REQUEST_INVALID') && err.status === 400 && err.message.length > 0, label);
}

/** Percent-encodes a random selection of bytes that need no encoding: a server must decode them all the same. */
function overEncode(path: string, picks: readonly boolean[]): string {
  let i = 0;
  return path.replace(/%[0-9A-F]{2}|[A-Za-z0-9.~_!-]/g, (c) =>
    c.length === 1 && picks[i++ % Math.max(picks.length, 1)] ? `%${c.charCodeAt(0).toString(16).toUpperCase()}` : c,
  );
}

/** A request path the go command could send, for any endpoint (versions may not fit the path). */
const wellFormedRequest = fc
  .tuple(modulePath, escapableQuery, fc.constantFrom('info', 'mod', 'zip', 'list', 'latest'), fc.constantFrom('', '/cached-only'))
  .map(([p, v, ext, pre]) => pre + (ext === 'list' ? listPath(p) : ext === 'latest' ? latestPath(p) : versionPath(p, v, ext as 'info')));

/** Request paths with every kind of structure and damage. */
const requestish = fc.oneof(
  { weight: 3, arbitrary: wellFormedRequest },
  { weight: 3, arbitrary: mutated(wellFormedRequest, ['/', '%', '!', '.', '@', '%2F', '%21', '%2e', 'A', '\u00e9']) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(
        fc.constantFrom('', '/cached-only'),
        fc.array(fc.oneof(escapedish, fc.constantFrom('%21', '%2F', '%2f', '%2e%2e', '..', '.', '%', '%zz', '%00', '%C3%A9', '%ff', '@v')), {
          minLength: 1,
          maxLength: 4,
        }),
        fc.oneof(
          fc.constantFrom('/@v/list', '/@latest', '/@v/', '/@v/.info', '/@v/v1.0.0.zip', '/@v/v1.0.0.mod', ''),
          escapedish.map((v) => `/@v/${v}.info`),
        ),
        fc.constantFrom('', '?go-get=1', '#x'),
      )
      .map(([pre, segs, tail, q]) => `${pre}/${segs.join('/')}${tail}${q}`),
  },
  { weight: 1, arbitrary: anyString.map((s) => `/${s}`) },
  { weight: 1, arbitrary: anyString },
);

export const escapeProperties = [
  fuzz('escapePath and escapeVersion leave no capital letter, and unescaping gives the original back', 600, () =>
    fc.property(modulePath, escapableQuery, (p, v) => {
      const [ep, ev] = [escapePath(p), escapeVersion(v)];
      assert.doesNotMatch(ep + ev, /[A-Z]/);
      assert.equal(unescapePath(ep), p);
      assert.equal(unescapeVersion(ev), v);
    }),
  ),

  fuzz('unescapePath accepts exactly what x/mod unescapeString and CheckPath accept (§1.2), else a 400', 1000, () =>
    fc.property(escapedish, (s) => {
      const decoded = modelUnescape(s);
      if (decoded === null || checkPath(decoded) !== undefined) return assertBadRequest(() => unescapePath(s), s);
      assert.equal(unescapePath(s), decoded);
    }),
  ),

  fuzz('unescapeVersion accepts exactly what x/mod unescapeString and the file-element check accept, else a 400', 1000, () =>
    fc.property(fc.oneof(escapedish, escapableQuery.map(escapeVersion), stringOf('v019.-+!ab%# ()', 12)), (s) => {
      const decoded = modelUnescape(s);
      if (decoded === null || checkFileElem(decoded) !== undefined) return assertBadRequest(() => unescapeVersion(s), s);
      assert.equal(unescapeVersion(s), decoded);
    }),
  ),

  fuzz('every decodable spelling is the one spelling escape produces, so two spellings never share a module', 800, () =>
    fc.property(escapedish, (s) => {
      let p: string | undefined;
      try {
        p = unescapePath(s);
      } catch {
        return;
      }
      assert.equal(escapePath(p), s);
    }),
  ),

  fuzz('parseRequestPath throws nothing but a 400 or 404 GmpError, for any input', 1500, () =>
    fc.property(requestish, (url) => {
      try {
        parseRequestPath(url);
      } catch (err) {
        assert.ok(isGmpError(err) && (err.status === 400 || err.status === 404) && err.message.length > 0, `${JSON.stringify(url)}: ${String(err)}`);
      }
    }),
  ),

  fuzz('a parsed request names a valid module path, an escapable version, and .mod/.zip only for a canonical version that fits', 1500, () =>
    fc.property(requestish, (url) => {
      let r: ReturnType<typeof parseRequestPath>;
      try {
        r = parseRequestPath(url);
      } catch {
        return;
      }
      assert.equal(checkPath(r.module), undefined, url);
      if (r.endpoint === 'list' || r.endpoint === 'latest') return assert.equal(r.version, '');
      escapeVersion(r.version);
      if (r.endpoint === 'mod' || r.endpoint === 'zip') {
        assert.ok(isCanonicalModuleVersion(r.version), url);
        assert.equal(check(r.module, r.version), undefined, url);
      }
    }),
  ),

  fuzz('a path built as the go command builds it parses back to its module and version, however many bytes are percent-encoded', 1000, () =>
    fc.property(
      modulePath,
      escapableQuery,
      fc.constantFrom('info', 'mod', 'zip', 'list', 'latest'),
      fc.array(fc.boolean(), { maxLength: 8 }),
      fc.boolean(),
      (p, v, ext, picks, cachedOnly) => {
        if ((ext === 'mod' || ext === 'zip') && (!isCanonicalModuleVersion(v) || check(p, v) !== undefined)) return;
        const built = ext === 'list' ? listPath(p) : ext === 'latest' ? latestPath(p) : versionPath(p, v, ext);
        const url = (cachedOnly ? '/cached-only' : '') + overEncode(built, picks);
        const r = parseRequestPath(url);
        assert.deepEqual(r, { endpoint: ext, module: p, version: ext === 'list' || ext === 'latest' ? '' : v, cachedOnly });
      },
    ),
  ),

  fuzz('a request path is percent-decoded exactly once: an encoded "%21" stays a literal "%21"', 500, () =>
    fc.property(modulePath, stringOf('ab19%!-', 8, 1), (p, tail) => {
      // A version containing "%" travels as "%25": decoding twice would turn it into something else.
      const v = `v1${tail.replace(/!/g, '%21')}`;
      if (checkFileElem(v) !== undefined || v.endsWith('.')) return;
      const url = `/${goPathEscape(escapePath(p))}/@v/${goPathEscape(escapeVersion(v))}.info`;
      assert.equal(parseRequestPath(url).version, v);
    }),
  ),
];
