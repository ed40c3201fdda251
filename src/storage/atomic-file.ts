// Atomic replacement of a file at any path (outside the keyed cache): what the checksum log's commit
// point and the signer key need to survive a crash whole or not at all.
import { open, rename } from 'node:fs/promises';
import path from 'node:path';

/** temp file, fsync, rename, fsync the directory: the commit survives a crash or is not there at all. */
export async function writeAtomic(file: string, data: string | Buffer): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}`;
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
  const d = await open(path.dirname(file), 'r');
  await d.sync().finally(() => d.close());
}
