// Differential property against the real x/mod/zip.CheckZip and dirhash.HashZip, run by `npm run fuzz -- --go`
// only: on valid zips and zips with a hostile entry name, gomodproxy accepts exactly what go mod download accepts.
// Damaged archives are left out: yauzl and Go's archive/zip disagree on broken container records (trailing
// bytes, central-directory size and count, Zip64 records), a known gap listed in the fuzzing report.
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { GoOracle } from '../fuzz/go-oracle.js';
import { fuzz } from '../fuzz/property.js';
import type { FuzzProperty } from '../fuzz/property.js';
import { checkAndHashZip } from './zip-check.js';
import { makeZip, namedZip, withZipFile } from './zip-check.props.js';

export function zipXmodProperties(go: () => GoOracle): FuzzProperty[] {
  return [
    fuzz(
      'a well-formed zip is accepted exactly when x/mod CheckZip and HashZip accept it, and with the same h1',
      1000,
      () =>
        fc.asyncProperty(namedZip, async (z) => {
          const zip = await makeZip(z);
          await withZipFile(zip, async (file) => {
            const theirs = await go().ask('checkZip', file, `${z.mod}@${z.version}`);
            const mine = await checkAndHashZip(file, z.mod, z.version).then(
              (r) => ({ h1: r.h1, err: undefined }),
              (err: Error) => ({ h1: undefined, err: err.message }),
            );
            const what =
              z.hostile !== undefined
                ? `hostile ${JSON.stringify(z.hostile.toString())}`
                : z.damage !== undefined
                  ? `damage ${JSON.stringify(z.damage)}`
                  : 'valid';
            assert.equal(mine.err === undefined, theirs.err === undefined, `${what}: ours ${mine.err ?? 'accepts'}, Go ${theirs.err ?? 'accepts'}`);
            assert.equal(mine.h1, theirs.s, what);
          });
        }),
      20_000,
    ),
  ];
}
