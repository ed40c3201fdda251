// Reads a tar stream entry by entry without holding more than one chunk: each entry's body is an async
// iterable that must be consumed (or skipped) before the next entry. Understands ustar and the pax/GNU long
// names; anything but regular files (links, devices) is refused, directories are skipped.
import { StringDecoder } from 'node:string_decoder';

export interface TarFile {
  readonly name: string;
  readonly size: number;
  readonly body: AsyncIterable<Buffer>;
}

export class TarError extends Error {
  override readonly name = 'TarError';
}

const BLOCK = 512;

/** Pulls exact byte counts from a chunk stream. */
class Bytes {
  #pending: Buffer[] = [];
  #have = 0;
  readonly #it: AsyncIterator<Buffer>;
  #ended = false;

  constructor(source: AsyncIterable<Buffer>) {
    this.#it = source[Symbol.asyncIterator]();
  }

  async #fill(n: number): Promise<void> {
    while (this.#have < n && !this.#ended) {
      const r = await this.#it.next();
      if (r.done === true) this.#ended = true;
      else {
        this.#pending.push(r.value);
        this.#have += r.value.length;
      }
    }
  }

  /** Exactly n bytes, or fewer at the end of the stream. */
  async take(n: number): Promise<Buffer> {
    await this.#fill(n);
    const all = Buffer.concat(this.#pending);
    this.#pending = all.length > n ? [all.subarray(n)] : [];
    this.#have = Math.max(0, all.length - n);
    return all.subarray(0, n);
  }

  /** n bytes as chunks of whatever size arrives. */
  async *stream(n: number): AsyncGenerator<Buffer> {
    let left = n;
    while (left > 0) {
      if (this.#have === 0) await this.#fill(1);
      if (this.#have === 0) throw new TarError('the bundle ends in the middle of an entry');
      const chunk = this.#pending.shift() as Buffer;
      this.#have -= chunk.length;
      if (chunk.length > left) {
        this.#pending.unshift(chunk.subarray(left));
        this.#have += chunk.length - left;
      }
      const out = chunk.subarray(0, Math.min(left, chunk.length));
      left -= out.length;
      yield out;
    }
  }
}

const field = (h: Buffer, at: number, len: number): string => {
  const raw = h.subarray(at, at + len);
  const nul = raw.indexOf(0);
  return raw.subarray(0, nul < 0 ? len : nul).toString('utf8');
};

function parseOctal(h: Buffer, at: number, len: number): number {
  const s = field(h, at, len).trim();
  if (!/^[0-7]+$/.test(s)) throw new TarError('malformed tar header (size)');
  return Number.parseInt(s, 8);
}

function checksumOk(h: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (h[i] as number);
  return parseOctal(h, 148, 8) === sum;
}

function paxRecords(data: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  const d = new StringDecoder('utf8');
  const text = d.write(data) + d.end();
  for (const rec of text.split('\n')) {
    const m = /^\d+ ([^=]+)=(.*)$/s.exec(rec);
    if (m !== null) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

async function drain(it: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of it) parts.push(c);
  return Buffer.concat(parts);
}

/** Reads past bytes nobody wants, holding none of them (a directory's or an unread body may be gigabytes). */
async function skip(it: AsyncIterable<Buffer>): Promise<void> {
  for await (const _ of it);
}

export async function* readTar(source: AsyncIterable<Buffer>): AsyncGenerator<TarFile> {
  const bytes = new Bytes(source);
  let longName: string | undefined;
  for (let first = true; ; first = false) {
    const h = await bytes.take(BLOCK);
    // The first header decides whether this is a tar archive at all: say so rather than "truncated".
    if (first && (h.length < BLOCK || !checksumOk(h))) throw new TarError('not a tar archive (nor a gzip-compressed one)');
    if (h.length < BLOCK) throw new TarError('the bundle ends without the end-of-archive marker (truncated?)');
    if (h.every((b) => b === 0)) return;
    if (!checksumOk(h)) throw new TarError('malformed tar header (checksum)');
    const size = parseOctal(h, 124, 12);
    const type = String.fromCharCode(h[156] as number);
    const prefix = field(h, 345, 155);
    let name = longName ?? (prefix === '' ? field(h, 0, 100) : `${prefix}/${field(h, 0, 100)}`);
    longName = undefined;
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (type === 'x' || type === 'L' || type === 'g') {
      if (size > 1 << 20) throw new TarError('malformed tar header (oversized extended header)');
      const data = await drain(bytes.stream(size));
      await bytes.take(pad);
      if (type === 'x') longName = paxRecords(data).get('path');
      if (type === 'L') longName = data.toString('utf8').replace(/\0+$/, '');
      continue;
    }
    if (type === '5') {
      await skip(bytes.stream(size));
      await bytes.take(pad);
      continue;
    }
    if (type !== '0' && type !== '\0') throw new TarError(`${name}: only regular files may be in a bundle`);
    name = name.replace(/^\.\//, '');
    // Whatever the consumer leaves unread (all of it, or the rest after a break) is skipped afterwards.
    let read = 0;
    const body: AsyncIterable<Buffer> = {
      async *[Symbol.asyncIterator]() {
        for await (const c of bytes.stream(size - read)) {
          read += c.length;
          yield c;
        }
      },
    };
    yield { name, size, body };
    if (read < size) await skip(bytes.stream(size - read));
    await bytes.take(pad);
  }
}
