// The go.sum "h1:" hash (golang.org/x/mod/sumdb/dirhash.Hash1, digest §6), over file names and content digests.
import { createHash } from 'node:crypto';
import { compareUtf8 } from '../protocol/semver.js';

export interface HashedFile {
  /** The name as it appears in the summary: the full zip entry name, or "go.mod" for a .mod hash. */
  name: string;
  /** SHA-256 of the file content, raw or lower-case hex. */
  sha256: Buffer | string;
}

/**
 * dirhash.Hash1: SHA-256 over lines "<hex sha256>  <name>\n" sorted by name in UTF-8 byte order (as Go's
 * sort.Strings), then "h1:" + standard padded base64. A name containing "\n" cannot be hashed.
 */
export function hash1(files: ReadonlyArray<HashedFile>): string {
  const sorted = [...files].sort((a, b) => compareUtf8(a.name, b.name));
  const summary = createHash('sha256');
  for (const f of sorted) {
    if (f.name.includes('\n')) throw new Error('dirhash: filenames with newlines are not supported');
    const hex = typeof f.sha256 === 'string' ? f.sha256.toLowerCase() : f.sha256.toString('hex');
    if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`dirhash: bad SHA-256 for ${JSON.stringify(f.name)}`);
    summary.update(`${hex}  ${f.name}\n`, 'utf8');
  }
  return `h1:${summary.digest('base64')}`;
}

/** The h1 of a .mod file (`<path> <version>/go.mod h1:…`): Hash1 of one file named "go.mod". */
export function hashGoMod(content: Buffer | string): string {
  const sha256 = createHash('sha256').update(content).digest();
  return hash1([{ name: 'go.mod', sha256 }]);
}
