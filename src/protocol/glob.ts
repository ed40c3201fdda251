// GOPRIVATE-style glob lists (module.MatchPrefixPatterns, digest §2.5) and an exact port of Go's path.Match.
// Matching runs on UTF-8 bytes as Go does, so "?" and "*" behave identically even on multi-byte names.

const SLASH = 0x2f;
const RUNE_ERROR = 0xfffd;

class BadPattern extends Error {}

/** Go's utf8.DecodeRune: [rune, width]; an invalid byte decodes as U+FFFD with width 1. */
function decodeRune(b: Uint8Array, i: number): [number, number] {
  const c0 = b[i] as number;
  if (c0 < 0x80) return [c0, 1];
  const need = c0 >= 0xc2 && c0 <= 0xdf ? 1 : c0 >= 0xe0 && c0 <= 0xef ? 2 : c0 >= 0xf0 && c0 <= 0xf4 ? 3 : 0;
  if (need === 0) return [RUNE_ERROR, 1];
  let r = c0 & (0x7f >> (need + 1));
  for (let k = 1; k <= need; k++) {
    const c = b[i + k];
    if (c === undefined || (c & 0xc0) !== 0x80) return [RUNE_ERROR, 1];
    r = (r << 6) | (c & 0x3f);
  }
  // Overlong forms, surrogates and values past U+10FFFF are invalid in Go too.
  const min = [0, 0x80, 0x800, 0x10000][need] as number;
  if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff)) return [RUNE_ERROR, 1];
  return [r, need + 1];
}

/** Splits off a leading run of '*' and the chunk up to the next unbracketed '*'. */
function scanChunk(p: Uint8Array): { star: boolean; chunk: Uint8Array; rest: Uint8Array } {
  let star = false;
  while (p.length > 0 && p[0] === 0x2a) {
    p = p.subarray(1);
    star = true;
  }
  let inRange = false;
  let i = 0;
  for (; i < p.length; i++) {
    const c = p[i];
    if (c === 0x5c) {
      if (i + 1 < p.length) i++;
    } else if (c === 0x5b) inRange = true;
    else if (c === 0x5d) inRange = false;
    else if (c === 0x2a && !inRange) break;
  }
  return { star, chunk: p.subarray(0, i), rest: p.subarray(i) };
}

/** Go's getEsc: one possibly escaped rune of a character class. */
function getEsc(chunk: Uint8Array): [number, Uint8Array] {
  if (chunk.length === 0 || chunk[0] === 0x2d || chunk[0] === 0x5d) throw new BadPattern();
  if (chunk[0] === 0x5c) {
    chunk = chunk.subarray(1);
    if (chunk.length === 0) throw new BadPattern();
  }
  const [r, n] = decodeRune(chunk, 0);
  if (r === RUNE_ERROR && n === 1) throw new BadPattern();
  const rest = chunk.subarray(n);
  if (rest.length === 0) throw new BadPattern();
  return [r, rest];
}

/** Matches chunk at the start of s: the rest of s, or undefined. Throws BadPattern for a malformed chunk. */
function matchChunk(chunk: Uint8Array, s: Uint8Array): Uint8Array | undefined {
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const c = chunk[0];
    if (c === 0x5b) {
      let r = 0;
      if (!failed) {
        const [rr, n] = decodeRune(s, 0);
        r = rr;
        s = s.subarray(n);
      }
      chunk = chunk.subarray(1);
      const negated = chunk[0] === 0x5e;
      if (negated) chunk = chunk.subarray(1);
      let match = false;
      for (let nrange = 0; ; nrange++) {
        if (chunk.length > 0 && chunk[0] === 0x5d && nrange > 0) {
          chunk = chunk.subarray(1);
          break;
        }
        let lo: number;
        let hi: number;
        [lo, chunk] = getEsc(chunk);
        hi = lo;
        if (chunk[0] === 0x2d) [hi, chunk] = getEsc(chunk.subarray(1));
        if (lo <= r && r <= hi) match = true;
      }
      if (match === negated) failed = true;
    } else if (c === 0x3f) {
      if (!failed) {
        if (s[0] === SLASH) failed = true;
        s = s.subarray(decodeRune(s, 0)[1]);
      }
      chunk = chunk.subarray(1);
    } else {
      if (c === 0x5c) {
        chunk = chunk.subarray(1);
        if (chunk.length === 0) throw new BadPattern();
      }
      if (!failed) {
        if (chunk[0] !== s[0]) failed = true;
        s = s.subarray(1);
      }
      chunk = chunk.subarray(1);
    }
  }
  return failed ? undefined : s;
}

function matchBytes(pattern: Uint8Array, name: Uint8Array): boolean {
  outer: while (pattern.length > 0) {
    const { star, chunk, rest } = scanChunk(pattern);
    pattern = rest;
    if (star && chunk.length === 0) return !name.includes(SLASH);
    const t = matchChunk(chunk, name);
    if (t !== undefined && (t.length === 0 || pattern.length > 0)) {
      name = t;
      continue;
    }
    if (star) {
      for (let i = 0; i < name.length && name[i] !== SLASH; i++) {
        const t2 = matchChunk(chunk, name.subarray(i + 1));
        if (t2 === undefined || (pattern.length === 0 && t2.length > 0)) continue;
        name = t2;
        continue outer;
      }
    }
    // Go reports a malformed rest of the pattern even when the match already failed.
    while (pattern.length > 0) {
      const next = scanChunk(pattern);
      pattern = next.rest;
      matchChunk(next.chunk, new Uint8Array(0));
    }
    return false;
  }
  return name.length === 0;
}

/** Go's path.Match; a malformed pattern throws Error('syntax error in pattern'). */
export function pathMatch(pattern: string, name: string): boolean {
  try {
    return matchBytes(Buffer.from(pattern, 'utf8'), Buffer.from(name, 'utf8'));
  } catch (err) {
    if (err instanceof BadPattern) throw new Error('syntax error in pattern');
    throw err;
  }
}

/**
 * module.MatchPrefixPatterns: whether any comma-separated glob matches target or one of its path prefixes.
 * A glob with k slashes is matched against the first k+1 elements of target; malformed globs never match.
 */
export function matchPrefixPatterns(globs: string, target: string): boolean {
  for (let glob of globs.split(',')) {
    if (glob.endsWith('/')) glob = glob.slice(0, -1);
    if (glob === '') continue;
    let n = glob.split('/').length - 1;
    let prefix = target;
    for (let i = 0; i < target.length; i++) {
      if (target[i] !== '/') continue;
      if (n === 0) {
        prefix = target.slice(0, i);
        break;
      }
      n--;
    }
    if (n > 0) continue;
    try {
      if (pathMatch(glob, prefix)) return true;
    } catch {
      // A malformed glob simply does not match, as in Go.
    }
  }
  return false;
}

/**
 * The first pattern of a comma-separated glob list that path.Match refuses as malformed (`[` unclosed, a
 * trailing `\\`), or undefined. The go command lets such a pattern match nothing, silently; in a setting
 * that decides what is private or who may read it, that is a mistake to refuse, not to carry out.
 */
export function malformedGlob(globs: string): string | undefined {
  for (let glob of globs.split(',')) {
    if (glob.endsWith('/')) glob = glob.slice(0, -1);
    if (glob === '') continue;
    try {
      pathMatch(glob, '');
    } catch {
      return glob;
    }
  }
  return undefined;
}
