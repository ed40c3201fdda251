// Data tiles (`tile/H/data/N[.p/W]`, §7.1): the texts of the records whose hashes make up the level-0 hash
// tile at the same place. Nothing signs them; they are proven by hashing each record and comparing with
// that hash tile, once it is authenticated. Two layouts are in use: each record's text followed by a blank
// line (sum.golang.org, our own database), and x/mod's reference server, which puts the record's id line
// (tlog.FormatRecord) before each text.
import { isValidRecordText } from './encoding.js';
import type { Tile } from './tile.js';
import { HASH_SIZE, recordHash, shl } from './tlog.js';

export class DataTileError extends Error {
  override readonly name = 'DataTileError';
}

/** The record texts of data tile t, in order; throws DataTileError when data is not W records of either layout. */
export function dataTileRecords(t: Tile, data: Buffer): Buffer[] {
  const start = shl(t.n, t.h);
  const texts: Buffer[] = [];
  let at = 0;
  while (at < data.length) {
    if (texts.length === t.w) throw new DataTileError(`more than the ${t.w} records of its width`);
    const blank = data.indexOf('\n\n', at);
    // The last record may end the data without its blank line.
    const end = blank < 0 ? data.length : blank + 1;
    let text = data.subarray(at, end);
    at = blank < 0 ? data.length : blank + 2;
    const firstLine = text.subarray(0, text.indexOf(0x0a) + 1).toString('latin1');
    if (/^\d+\n$/.test(firstLine)) {
      // A text's first line is `<module> <version> <hash>`, never digits alone: this is an id line.
      if (firstLine !== `${start + texts.length}\n`)
        throw new DataTileError(`record ${texts.length} carries id ${firstLine.trim()}, not ${start + texts.length}`);
      text = text.subarray(firstLine.length);
    }
    if (!isValidRecordText(text)) throw new DataTileError(`record ${texts.length} is not valid record text`);
    texts.push(text);
  }
  if (texts.length !== t.w) throw new DataTileError(`${texts.length} records, its width is ${t.w}`);
  return texts;
}

/** Throws DataTileError unless data holds the records whose hashes are `hashes` (the authenticated level-0 tile). */
export function checkDataTile(t: Tile, data: Buffer, hashes: Buffer): void {
  if (hashes.length !== t.w * HASH_SIZE) throw new DataTileError(`${hashes.length} bytes of hashes for ${t.w} records`);
  dataTileRecords(t, data).forEach((text, i) => {
    if (!recordHash(text).equals(hashes.subarray(i * HASH_SIZE, (i + 1) * HASH_SIZE)))
      throw new DataTileError(`record ${shl(t.n, t.h) + i} does not hash to the log's record hash`);
  });
}
