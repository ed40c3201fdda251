// Case-folding keys for the module zip's case-insensitive collision check (x/mod/zip strToFold, Unicode simple folding).
// Go maps each rune to the smallest member of its simple case-fold orbit, then ASCII upper case to lower case.
import { goQuote } from '../protocol/go-quote.js';

// Orbits with more than two members (Go's unicode caseOrbit table); every other rune folds with its simple
// upper- and lower-case forms only. İ and ı fold to themselves.
const LARGE_ORBITS = [
  'Kk\u212a',
  'Ss\u017f',
  '\xb5\u039c\u03bc',
  '\xc5\xe5\u212b',
  '\xdf\u1e9e',
  '\u0130',
  '\u0131',
  '\u01c4\u01c5\u01c6',
  '\u01c7\u01c8\u01c9',
  '\u01ca\u01cb\u01cc',
  '\u01f1\u01f2\u01f3',
  '\u0345\u0399\u03b9\u1fbe',
  '\u0392\u03b2\u03d0',
  '\u0395\u03b5\u03f5',
  '\u0398\u03b8\u03d1\u03f4',
  '\u039a\u03ba\u03f0',
  '\u03a0\u03c0\u03d6',
  '\u03a1\u03c1\u03f1',
  '\u03a3\u03c2\u03c3',
  '\u03a6\u03c6\u03d5',
  '\u03a9\u03c9\u2126',
  '\u0412\u0432\u1c80',
  '\u0414\u0434\u1c81',
  '\u041e\u043e\u1c82',
  '\u0421\u0441\u1c83',
  '\u0422\u0442\u1c84\u1c85',
  '\u042a\u044a\u1c86',
  '\u0462\u0463\u1c87',
  '\u1c88\ua64a\ua64b',
  '\u1e60\u1e61\u1e9b',
];

const orbitMin = new Map<number, number>();
for (const orbit of LARGE_ORBITS) {
  const members = [...orbit].map((c) => c.codePointAt(0) as number);
  const min = Math.min(...members);
  for (const m of members) orbitMin.set(m, min);
}

/** A simple (one code point) case mapping, or undefined when JS's full mapping yields several. */
function single(mapped: string): number | undefined {
  const cp = mapped.codePointAt(0) as number;
  return mapped.length === String.fromCodePoint(cp).length ? cp : undefined;
}

function foldRune(ch: string): string {
  const cp = ch.codePointAt(0) as number;
  let key = orbitMin.get(cp);
  if (key === undefined) {
    key = cp;
    for (const m of [single(ch.toLowerCase()), single(ch.toUpperCase())]) {
      if (m !== undefined && m < key) key = m;
    }
  }
  if (key >= 0x41 && key <= 0x5a) key += 0x20;
  return String.fromCodePoint(key);
}

/** The key under which two paths collide on a case-insensitive file system (Go's strToFold). */
export function strToFold(s: string): string {
  if (/^[\x00-\x40\x5b-\x7f]*$/.test(s)) return s;
  let out = '';
  for (const ch of s) out += foldRune(ch);
  return out;
}

/**
 * x/mod/zip's collisionChecker: records each path and its parent directories under their fold keys and
 * reports a case-insensitive clash, a path used as both file and directory, or a duplicate file.
 */
export class CollisionChecker {
  private readonly seen = new Map<string, { path: string; isDir: boolean }>();

  /** Returns Go's error text for p, or undefined; parents of p are recorded as directories. */
  check(p: string, isDir: boolean): string | undefined {
    const fold = strToFold(p);
    const other = this.seen.get(fold);
    if (other !== undefined) {
      if (p !== other.path) return `case-insensitive file name collision: ${goQuote(other.path)} and ${goQuote(p)}`;
      if (isDir !== other.isDir) return `entry ${goQuote(p)} is both a file and a directory`;
      if (!isDir) return `multiple entries for file ${goQuote(p)}`;
    } else {
      this.seen.set(fold, { path: p, isDir });
    }
    const slash = p.lastIndexOf('/');
    return slash > 0 ? this.check(p.slice(0, slash), true) : undefined;
  }
}
