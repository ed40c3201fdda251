// Writes a POSIX tar stream (ustar headers, a pax header for names over 100 bytes) from entries given one at
// a time, as an async iterable of chunks for stream.pipeline: a file entry is streamed from disk, so memory
// stays bounded whatever the bundle's size.
import { createReadStream } from 'node:fs';

export type TarEntry = { readonly name: string; readonly data: Buffer } | { readonly name: string; readonly file: string; readonly size: number };

const BLOCK = 512;

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(name: string, size: number, type: '0' | 'x'): Buffer {
  const h = Buffer.alloc(BLOCK);
  h.write(Buffer.byteLength(name) <= 100 ? name : 'PaxHeaders/long-name', 0, 100, 'utf8');
  h.write(octal(0o644, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(0, 12), 136, 'ascii');
  h.write('        ', 148, 'ascii');
  h.write(type, 156, 'ascii');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return h;
}

/** A pax `path` record: its length counts its own digits. */
function paxPath(name: string): Buffer {
  const body = ` path=${name}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len++;
  return Buffer.from(`${len}${body}`);
}

const padding = (size: number): Buffer => Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);

export async function* tarStream(entries: AsyncIterable<TarEntry>): AsyncGenerator<Buffer> {
  for await (const e of entries) {
    if (Buffer.byteLength(e.name) > 100) {
      const pax = paxPath(e.name);
      yield header('PaxHeaders/long-name', pax.length, 'x');
      yield Buffer.concat([pax, padding(pax.length)]);
    }
    const size = 'data' in e ? e.data.length : e.size;
    yield header(e.name, size, '0');
    if ('data' in e) {
      yield e.data;
    } else {
      let n = 0;
      for await (const chunk of createReadStream(e.file, { highWaterMark: 256 * 1024 })) {
        n += (chunk as Buffer).length;
        yield chunk as Buffer;
      }
      if (n !== size) throw new Error(`${e.name}: the file changed while it was written (${n} bytes, expected ${size})`);
    }
    yield padding(size);
  }
  yield Buffer.alloc(2 * BLOCK);
}
