// Fuzz properties for storage keys (keys.ts) and their mapping to files (the filesystem store's keyPath): no input ever
// names a file outside the cache root, and every key the cache builds is one the storage accepts.
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { isGmpError } from '../errors.js';
import { anyString, escapableQuery, modulePath, mutated, stringOf } from '../fuzz/arbitraries.js';
import { fuzz } from '../fuzz/property.js';
import { keyPath } from './fs-store.js';
import { artifactKey, latestKey, listKey, queryKey, versionsPrefix } from './keys.js';

const ROOT = path.resolve('/srv/gomodproxy-data');

/** Keys as a hostile caller could spell them: traversal, absolute, backslashes, encodings, NUL. */
const keyish = fc.oneof(
  fc
    .array(fc.oneof(stringOf('az.!@+-_~', 6), fc.constantFrom('..', '.', '', '...', '%2e%2e', '..\\..', '\u0000', '~', 'C:', '@v')), { maxLength: 5 })
    .map((es) => es.join('/')),
  mutated(
    fc.tuple(modulePath, escapableQuery).map(([p, v]) => artifactKey(p, v, 'info')),
    ['/', '..', '.', '\\', '\u0000'],
  ),
  anyString,
);

/** Asserts that filePath either refuses the key with a 400 or names a file strictly below the root. */
function assertInsideRoot(key: string): string | undefined {
  let file: string;
  try {
    file = keyPath(ROOT, key);
  } catch (err) {
    assert.ok(isGmpError(err, 'GMP_ERR_REQUEST_INVALID'), String(err));
    return undefined;
  }
  const rel = path.relative(ROOT, file);
  assert.ok(rel !== '' && !path.isAbsolute(rel) && !rel.split(path.sep).includes('..'), `${JSON.stringify(key)} → ${file}`);
  assert.equal(path.resolve(file), file, 'already normalized');
  assert.equal(rel, key.split('/').join(path.sep), 'the key is the relative path, unchanged');
  return file;
}

type KeyInput = [kind: 'info' | 'mod' | 'zip' | 'ziphash' | 'query' | 'list' | 'latest' | 'prefix', modulePath: string, version: string];

function keyFor([kind, p, v]: KeyInput): string {
  if (kind === 'query') return queryKey(p, v);
  if (kind === 'list') return listKey(p);
  if (kind === 'latest') return latestKey(p);
  if (kind === 'prefix') return versionsPrefix(p).replace(/\/$/, '');
  return artifactKey(p, v, kind);
}

const keyInput: fc.Arbitrary<KeyInput> = fc.tuple(
  fc.constantFrom('info', 'mod', 'zip', 'ziphash', 'query', 'list', 'latest', 'prefix'),
  modulePath,
  escapableQuery,
);

export const keyProperties = [
  fuzz('keyPath maps any key to a file strictly below its root, or refuses it with a 400', 2000, () =>
    fc.property(keyish, (key) => {
      assertInsideRoot(key);
    }),
  ),

  fuzz('the key builders throw only 400 GmpErrors for module paths and versions that cannot be escaped', 800, () =>
    fc.property(
      fc.constantFrom('info', 'mod', 'zip', 'ziphash', 'query', 'list', 'latest', 'prefix'),
      fc.oneof(modulePath, anyString),
      fc.oneof(escapableQuery, anyString),
      (kind, p, v) => {
        try {
          assertInsideRoot(keyFor([kind, p, v] as KeyInput));
        } catch (err) {
          assert.ok(isGmpError(err, 'GMP_ERR_REQUEST_INVALID'), String(err));
        }
      },
    ),
  ),

  fuzz('every key built for a valid module path and version is stored, lower case only, and never shared by two artifacts', 800, () =>
    fc.property(keyInput, keyInput, (a, b) => {
      const [ka, kb] = [keyFor(a), keyFor(b)];
      // No capital letter: two modules that differ in case stay apart on a case-insensitive file system.
      assert.doesNotMatch(ka, /[A-Z]/);
      const fa = assertInsideRoot(ka);
      assert.notEqual(fa, undefined, `the storage refuses the key ${JSON.stringify(ka)} for ${JSON.stringify(a)}`);
      const same = a[0] === b[0] && a[1] === b[1] && (a[2] === b[2] || ['list', 'latest', 'prefix'].includes(a[0]));
      assert.equal(ka === kb, same, `${JSON.stringify(a)} and ${JSON.stringify(b)} share ${ka}`);
    }),
  ),
];
