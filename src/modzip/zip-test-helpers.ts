// Test helpers: build small zips with yazl in memory and patch their bytes to make the malformed
// archives that yazl itself refuses to write (".." names, wrong declared sizes or CRCs).
import yazl from 'yazl';

export interface TestEntry {
  name: string;
  content?: string | Buffer;
  /** Write a directory entry ("name/") instead of a file. */
  dir?: boolean;
  compress?: boolean;
}

/** A zip of the entries, in order; `zip64` writes Zip64 records even where they are not needed. */
export async function buildZip(entries: TestEntry[], options: { zip64?: boolean } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile();
  const forceZip64Format = options.zip64 ?? false;
  for (const e of entries) {
    if (e.dir) zip.addEmptyDirectory(e.name, { mtime: new Date(0) });
    else zip.addBuffer(Buffer.from(e.content ?? ''), e.name, { compress: e.compress ?? true, mtime: new Date(0), forceZip64Format });
  }
  zip.end({ forceZip64Format, comment: '' });
  const chunks: Buffer[] = [];
  for await (const chunk of zip.outputStream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of a same-length name fragment (local headers and central directory). */
export function renameInZip(zip: Buffer, from: string | Buffer, to: string | Buffer): Buffer {
  const a = Buffer.from(from);
  const b = Buffer.from(to);
  if (a.length !== b.length) throw new Error('renameInZip needs same-length names');
  const out = Buffer.from(zip);
  for (let i = out.indexOf(a); i >= 0; i = out.indexOf(a, i + a.length)) b.copy(out, i);
  return out;
}

/** Finds the central-directory header of the entry with this exact name. */
function centralHeader(zip: Buffer, name: string): number {
  const want = Buffer.from(name);
  const signature = Buffer.from([0x50, 0x4b, 0x01, 0x02]);
  for (let i = zip.indexOf(signature); i >= 0; i = zip.indexOf(signature, i + 4)) {
    const len = zip.readUInt16LE(i + 28);
    if (zip.subarray(i + 46, i + 46 + len).equals(want)) return i;
  }
  throw new Error(`no central directory entry for ${name}`);
}

/** Sets the declared uncompressed size of an entry in the central directory. */
export function setDeclaredSize(zip: Buffer, name: string, size: number): Buffer {
  const out = Buffer.from(zip);
  out.writeUInt32LE(size, centralHeader(out, name) + 24);
  return out;
}

/** Sets the CRC-32 of an entry in the central directory. */
export function setCrc(zip: Buffer, name: string, crc: number): Buffer {
  const out = Buffer.from(zip);
  out.writeUInt32LE(crc >>> 0, centralHeader(out, name) + 16);
  return out;
}
