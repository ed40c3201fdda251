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

const UNQUOTE_SHORT: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\', '"': '"' };

/**
 * strconv.Unquote of a double-quoted Go string literal; undefined where Go reports a syntax error. \x and
 * octal escapes name bytes: those that do not form UTF-8 become U+FFFD, as the go command's later checks see them.
 */
export function goUnquote(s: string): string | undefined {
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) return undefined;
  const body = s.slice(1, -1);
  const bytes: number[] = [];
  const text = (t: string) => bytes.push(...Buffer.from(t, 'utf8'));
  for (let i = 0; i < body.length; ) {
    const c = body[i] as string;
    if (c === '"' || c === '\n') return undefined;
    if (c !== '\\') {
      const cp = body.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      text(ch);
      i += ch.length;
      continue;
    }
    const e = body[i + 1];
    if (e === undefined) return undefined;
    const short = UNQUOTE_SHORT[e];
    if (short !== undefined) {
      text(short);
      i += 2;
      continue;
    }
    const hex = (n: number) => (new RegExp(`^[0-9a-fA-F]{${n}}$`).test(body.slice(i + 2, i + 2 + n)) ? parseInt(body.slice(i + 2, i + 2 + n), 16) : undefined);
    if (e === 'x') {
      const b = hex(2);
      if (b === undefined) return undefined;
      bytes.push(b);
      i += 4;
    } else if (e === 'u' || e === 'U') {
      const n = e === 'u' ? 4 : 8;
      const cp = hex(n);
      if (cp === undefined || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return undefined;
      text(String.fromCodePoint(cp));
      i += 2 + n;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i + 1, i + 4);
      if (!/^[0-7]{3}$/.test(oct) || parseInt(oct, 8) > 255) return undefined;
      bytes.push(parseInt(oct, 8));
      i += 4;
    } else return undefined;
  }
  return Buffer.from(bytes).toString('utf8');
}
