// Texts the checksum database signs and serves (§7.1, §7.2; x/mod sumdb/tlog note.go): the tree note
// `go.sum database tree\n<N>\n<hash>\n` and the lookup record `<id>\n<text>\n`.
import { isValidRecordText } from './encoding.js';
import { formatHash, parseHash } from './tlog.js';
import type { Hash } from './tlog.js';

export interface Tree {
  readonly n: number;
  readonly hash: Hash;
}

const TREE_PREFIX = 'go.sum database tree\n';

export class MalformedTreeError extends Error {
  override readonly name = 'MalformedTreeError';
  constructor() {
    super('malformed tree note');
  }
}

export class MalformedRecordError extends Error {
  override readonly name = 'MalformedRecordError';
  constructor() {
    super('malformed record data');
  }
}

export function formatTree(tree: Tree): string {
  return `${TREE_PREFIX}${tree.n}\n${formatHash(tree.hash)}\n`;
}

/** tlog.ParseTree: lines after the third are ignored so the format can grow. */
export function parseTree(text: string | Uint8Array): Tree {
  const s = typeof text === 'string' ? text : Buffer.from(text).toString('utf8');
  const size = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (!s.startsWith(TREE_PREFIX) || s.split('\n').length - 1 < 3 || size > 1e6) throw new MalformedTreeError();
  const [, nLine = '', hashLine = ''] = s.split('\n', 3);
  // Only the canonical decimal form is accepted, so one tree has exactly one signed text.
  if (!/^(0|[1-9][0-9]*)$/.test(nLine)) throw new MalformedTreeError();
  const n = Number(nLine);
  if (!Number.isSafeInteger(n)) throw new MalformedTreeError();
  try {
    return { n, hash: parseHash(hashLine) };
  } catch {
    throw new MalformedTreeError();
  }
}

/** tlog.FormatRecord: the `<id>\n<text>\n` head of a lookup response. */
export function formatRecord(id: number, text: Uint8Array): Buffer {
  if (!isValidRecordText(text)) throw new MalformedRecordError();
  return Buffer.concat([Buffer.from(`${id}\n`), text, Buffer.from('\n')]);
}

/** tlog.ParseRecord: splits a lookup response into id, record text and the rest (the signed tree note). */
export function parseRecord(msg: Uint8Array): { id: number; text: Buffer; rest: Buffer } {
  const buf = Buffer.from(msg.buffer, msg.byteOffset, msg.byteLength);
  const nl = buf.indexOf(0x0a);
  if (nl < 0) throw new MalformedRecordError();
  // Go's strconv.ParseInt also takes "+7" and "-7"; negative ids cannot name a record, so they are refused.
  const idText = buf.subarray(0, nl).toString('latin1');
  if (!/^\+?[0-9]+$/.test(idText)) throw new MalformedRecordError();
  const id = Number(idText);
  if (!Number.isSafeInteger(id)) throw new MalformedRecordError();
  const body = buf.subarray(nl + 1);
  const end = body.indexOf('\n\n');
  if (end < 0) throw new MalformedRecordError();
  const text = body.subarray(0, end + 1);
  if (!isValidRecordText(text)) throw new MalformedRecordError();
  return { id, text, rest: body.subarray(end + 2) };
}
