// Byte-level rules shared by notes, tree notes and records, matching Go's encoding/base64 (StdEncoding),
// unicode/utf8 and unicode.IsSpace, because Node's own base64 and /\s/ are more lenient than Go's.
import { isUtf8 } from 'node:buffer';

const STD_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Go's base64.StdEncoding.DecodeString: padding required, standard alphabet only, '\r' and '\n'
 * ignored anywhere (Go's decoder skips them). Returns null where Go would return an error.
 */
export function decodeStdBase64(s: string): Buffer | null {
  const clean = s.replace(/[\r\n]/g, '');
  if (!STD_BASE64.test(clean)) return null;
  return Buffer.from(clean, 'base64');
}

export function encodeStdBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

/** Code points for which Go's unicode.IsSpace is true (JS /\s/ also matches U+FEFF, which Go does not). */
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** note.isValidName: non-empty UTF-8 with no Unicode space and no '+'. */
export function isValidKeyName(name: string): boolean {
  return name !== '' && !LONE_SURROGATE.test(name) && !GO_SPACE.test(name) && !name.includes('+');
}

/** Valid UTF-8 with no control character (< 0x20) other than '\n'; 0x7f is allowed, as in Go. */
export function isCleanText(b: Uint8Array): boolean {
  if (!isUtf8(b)) return false;
  for (const byte of b) {
    // In valid UTF-8 every byte below 0x80 is a whole ASCII character, so a byte test suffices.
    if (byte < 0x20 && byte !== 0x0a) return false;
  }
  return true;
}

/** tlog.isValidRecordText: clean text that ends in '\n' and contains no blank line. */
export function isValidRecordText(b: Uint8Array): boolean {
  if (b.length === 0 || b[b.length - 1] !== 0x0a || !isCleanText(b)) return false;
  for (let i = 1; i < b.length; i++) {
    if (b[i] === 0x0a && b[i - 1] === 0x0a) return false;
  }
  return true;
}

/** The 4-byte big-endian uint32 at the start of b. */
export function readUint32BE(b: Uint8Array): number {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).readUInt32BE(0);
}

/** `%08x` of a uint32. */
export function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}
