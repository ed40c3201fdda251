// Go's strconv.Quote and QuoteRune (the %q verb), so error texts and go.mod quoting match the go command.
// unicode.IsPrint is approximated with the Unicode categories L, M, N, P, S plus the ASCII space.

const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const LONE_SURROGATE = /\p{Cs}/u;

/** Go's unicode.IsPrint for one code point (JS's Unicode tables may be newer than Go 1.19's 13.0). */
export function isGoPrint(ch: string): boolean {
  return PRINTABLE.test(ch);
}

const SHORT_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
};

function escapeChar(ch: string, quote: string): string {
  if (ch === quote || ch === '\\') return `\\${ch}`;
  if (LONE_SURROGATE.test(ch)) return '\\ufffd';
  if (isGoPrint(ch)) return ch;
  const short = SHORT_ESCAPES[ch];
  if (short !== undefined) return short;
  const cp = ch.codePointAt(0) as number;
  if (cp < 0x20 || cp === 0x7f) return `\\x${cp.toString(16).padStart(2, '0')}`;
  if (cp < 0x10000) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** strconv.Quote: a double-quoted Go string literal. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) out += escapeChar(ch, '"');
  return `${out}"`;
}

/** strconv.QuoteRune for a single code point: a single-quoted Go rune literal. */
export function goQuoteRune(ch: string): string {
  return `'${escapeChar(ch, "'")}'`;
}
