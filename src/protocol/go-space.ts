// Go's white space (unicode.IsSpace) for strings.TrimSpace and strings.Fields: JavaScript's trim() and \s
// also take U+FEFF, which Go does not, and miss U+0085, which Go takes.
const SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const EDGES = new RegExp(`^[${SPACE}]+|[${SPACE}]+$`, 'g');
const RUN = new RegExp(`[${SPACE}]+`);

/** strings.TrimSpace. */
export function goTrimSpace(s: string): string {
  return s.replace(EDGES, '');
}

/** strings.Fields: the non-empty runs between white space. */
export function goFields(s: string): string[] {
  const t = goTrimSpace(s);
  return t === '' ? [] : t.split(RUN);
}
