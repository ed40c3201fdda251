// Where Go's archive/zip (Go 1.19 readDirectoryEnd) finds the central directory, against where yauzl reads it.
// A zip the two read differently could pass every check here and still be refused by the go command, so it is refused.

/** Reads `length` bytes at `position`; fewer at the end of the file. */
export type ReadAt = (position: number, length: number) => Promise<Buffer>;

interface EndRecord {
  records: number;
  size: number;
  offset: number;
  /** Where the end record itself starts: the central directory must end exactly here. */
  end: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;

async function zip64Record(readAt: ReadAt, at: number): Promise<EndRecord | undefined> {
  const r = await readAt(at, 56);
  if (r.length < 56 || r.readUInt32LE(0) !== ZIP64_EOCD) return undefined;
  const n = (i: number) => Number(r.readBigUInt64LE(i));
  return { records: n(32), size: n(40), offset: n(48), end: at };
}

/**
 * The central directory's size, or a reason to refuse the zip: the end record must be the one yauzl found (the
 * comment running to the end of the file), Go and yauzl must take the same record (yauzl takes a Zip64 record
 * whenever a locator precedes the end record, Go only when a field is saturated), and the directory must end
 * exactly where that record starts (Go's baseOffset 0: no data before the zip, no gap after the directory).
 */
export async function centralDirectory(readAt: ReadAt, fileSize: number, commentLength: number): Promise<{ size: number } | string> {
  const at = fileSize - 22 - commentLength;
  const eocd = at < 0 ? Buffer.alloc(0) : await readAt(at, 22);
  if (eocd.length < 22 || eocd.readUInt32LE(0) !== EOCD) return 'cannot find the end of central directory record';
  const plain: EndRecord = { records: eocd.readUInt16LE(10), size: eocd.readUInt32LE(12), offset: eocd.readUInt32LE(16), end: at };
  const locator = at >= 20 ? await readAt(at - 20, 20) : Buffer.alloc(0);
  const hasLocator = locator.length === 20 && locator.readUInt32LE(0) === ZIP64_LOCATOR;
  const zip64 = hasLocator ? await zip64Record(readAt, Number(locator.readBigUInt64LE(8))) : undefined;
  // Go 1.19 compares the size with 0xffff, not 0xffffffff; its locator must name disk 0 of 1 disk.
  const goWantsZip64 = plain.records === 0xffff || plain.size === 0xffff || plain.offset === 0xffffffff;
  const goTakesZip64 = goWantsZip64 && hasLocator && locator.readUInt32LE(4) === 0 && locator.readUInt32LE(16) === 1;
  const go = goTakesZip64 ? zip64 : plain;
  const ours = hasLocator ? zip64 : plain;
  if (go === undefined || ours === undefined) return 'malformed Zip64 end of central directory record';
  if (go.records !== ours.records || go.offset !== ours.offset || go.size !== ours.size || go.end !== ours.end) {
    return 'the end of central directory and Zip64 records disagree';
  }
  if (ours.offset + ours.size !== ours.end) return 'the central directory does not end where its end record starts';
  return { size: ours.size };
}

/** The bytes a central-directory header takes: 46 fixed bytes, then name, extra field and comment. */
export function centralHeaderSize(e: { fileNameLength: number; extraFieldLength: number; fileCommentLength: number }): number {
  return 46 + e.fileNameLength + e.extraFieldLength + e.fileCommentLength;
}

/** The CRC-32 in the data descriptor at `at`, read as Go's readDataDescriptor does (optional signature); undefined when cut short. */
export async function descriptorCrc(readAt: ReadAt, at: number): Promise<number | undefined> {
  const d = await readAt(at, 16);
  const signed = d.length >= 4 && d.readUInt32LE(0) === 0x08074b50;
  const need = signed ? 16 : 12;
  return d.length < need ? undefined : d.readUInt32LE(signed ? 4 : 0);
}
