// Differential properties against the real x/mod/zip.CheckZip and dirhash.HashZip, run by `npm run fuzz -- --go`
// only: well-formed zips are accepted exactly when go mod download accepts them, and a damaged zip is never
// accepted unless Go reads it the same way. (Some damage Go tolerates is refused here: bytes after the end
// record, local headers or extra fields yauzl finds inconsistent, non-zero disk numbers.)
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GoOracle } from '../fuzz/go-oracle.js';
import { fuzz } from '../fuzz/property.js';
import type { FuzzProperty } from '../fuzz/property.js';
import { checkAndHashZip } from './zip-check.js';
import { damagedZip, makeZip, namedZip, withZipFile } from '../fuzz/zip-recipes.js';
import type { ZipRecipe } from '../fuzz/zip-recipes.js';

/** Both verdicts on one zip: ours (checkAndHashZip) and Go's (CheckZip, then HashZip). */
async function verdicts(go: GoOracle, z: ZipRecipe) {
  return withZipFile(await makeZip(z), async (file) => {
    const theirs = await go.ask('checkZip', file, `${z.mod}@${z.version}`);
    const mine = await checkAndHashZip(file, z.mod, z.version).then(
      (r) => ({ h1: r.h1 as string | undefined, err: undefined as string | undefined }),
      (err: Error) => ({ h1: undefined, err: err.message }),
    );
    return { mine, theirs: { h1: theirs.s, err: theirs.err } };
  });
}

export function zipXmodProperties(go: () => GoOracle): FuzzProperty[] {
  return [
    fuzz(
      'a well-formed zip is accepted exactly when x/mod CheckZip and HashZip accept it, and with the same h1',
      1000,
      () =>
        fc.asyncProperty(namedZip, async (z) => {
          const { mine, theirs } = await verdicts(go(), z);
          const what = z.hostile === undefined ? 'valid' : `hostile ${JSON.stringify(z.hostile.toString())}`;
          assert.equal(mine.err === undefined, theirs.err === undefined, `${what}: ours ${mine.err ?? 'accepts'}, Go ${theirs.err ?? 'accepts'}`);
          assert.equal(mine.h1, theirs.h1, what);
        }),
      20_000,
    ),
    fuzz(
      'a damaged zip is accepted only if Go accepts it too, with the same h1: nothing cached that the go command refuses',
      1000,
      () =>
        fc.asyncProperty(damagedZip, async (z) => {
          const { mine, theirs } = await verdicts(go(), z);
          if (mine.err === undefined) assert.deepEqual(theirs, mine, `damage ${JSON.stringify(z.damage)}: ours accepts, Go ${theirs.err}`);
        }),
      20_000,
    ),
  ];
}
