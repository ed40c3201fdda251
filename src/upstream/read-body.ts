// Reads small upstream bodies into memory with a hard limit: hostile upstreams cannot make us buffer
// more than we asked for. Leaving the loop early destroys (or cancels) the stream.

type Body = AsyncIterable<Uint8Array | string>;

/** Up to limit bytes of the body; `more` says bytes were left unread past the limit. */
export async function readPrefix(body: Body, limit: number): Promise<{ data: Buffer; more: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    if (size + b.length > limit) {
      chunks.push(b.subarray(0, limit - size));
      return { data: Buffer.concat(chunks), more: true };
    }
    size += b.length;
    chunks.push(b);
  }
  return { data: Buffer.concat(chunks), more: false };
}

/** The whole body; rejects with tooBig() (and stops reading) as soon as it passes limit. */
export async function readAtMost(body: Body, limit: number, tooBig: () => Error): Promise<Buffer> {
  const { data, more } = await readPrefix(body, limit);
  if (more) throw tooBig();
  return data;
}
