// How the go command reads a dependency's go.mod: modfile.ParseLax (x/mod's lexer, its statement and block
// grammar, and the checks it applies to the directives a dependency keeps: one `module` with one path, one
// `go` with a version, `require` with a version that fits the path's major suffix, `retract` intervals).
// The one reader of go.mod syntax: publishing refuses what it fails (the go command stops with
// "parsing go.mod: …"), module zips take the vendor rule from its `go` version, and direct mode skips the
// versions its retractions name when choosing a pseudo-version's base. A go.mod that ParseLax fails has no
// go version and retracts nothing, as in the go command (modzip, coderepo.retractedVersions).
// modfile.ModulePath, which scans lines and reads even a broken go.mod, is vcs/go-mod-file.ts.
import { goQuote, goUnquote, isGoPrint } from './go-quote.js';
import { canonicalVersion, checkPathMajor, splitPathVersion } from './module-path.js';
import { isValid } from './semver.js';

type Kind = '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | 'string' | 'ident' | 'comment' | 'eolcomment' | 'eof';

interface Token {
  readonly kind: Kind;
  readonly text: string;
  readonly line: number;
}

class GoModSyntaxError extends Error {}

const PUNCTUATION = new Set(['\n', '(', ')', '[', ']', '{', '}', ',']);

/** modfile's isIdent, for one code point. */
function isIdent(cp: number): boolean {
  // ASCII first (the whole of almost every go.mod): printable, but not space or ()[]{},
  if (cp < 0x80) return cp > 0x20 && cp < 0x7f && cp !== 0x28 && cp !== 0x29 && cp !== 0x5b && cp !== 0x5d && cp !== 0x7b && cp !== 0x7d && cp !== 0x2c;
  return isGoPrint(String.fromCodePoint(cp));
}

/** modfile's lexer (read.go, readToken): the whole file as tokens; throws at what it refuses. */
function lex(text: string): Token[] {
  const out: Token[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  // Whether the current line has had a token: a comment after one is an end-of-line comment.
  let lineHasToken = false;
  const fail = (what: string): never => {
    throw new GoModSyntaxError(`go.mod:${line}: ${what}`);
  };
  const push = (kind: Kind, tokenText: string, at: number) => {
    out.push({ kind, text: tokenText, line: at });
    lineHasToken = kind !== '\n';
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0d) {
      i++;
      continue;
    }
    if (c === 0x2f && text.charCodeAt(i + 1) === 0x2f) {
      // A comment alone on its line is a statement-level comment; after something, an end-of-line one.
      const end = text.indexOf('\n', i);
      const body = text.slice(i + 2, end < 0 ? n : end);
      out.push({ kind: lineHasToken ? 'eolcomment' : 'comment', text: body, line });
      lineHasToken = false;
      if (end < 0) i = n;
      else {
        i = end + 1;
        line++;
      }
      continue;
    }
    if (c === 0x2f && text.charCodeAt(i + 1) === 0x2a) fail('mod files must use // comments (not /* */ comments)');
    const ch = text[i] as string;
    if (PUNCTUATION.has(ch)) {
      i++;
      push(ch as Kind, ch, line);
      if (c === 0x0a) line++;
      continue;
    }
    if (c === 0x22 || c === 0x60) {
      const start = i++;
      for (;;) {
        if (i >= n) fail('unexpected EOF in string');
        const r = text.charCodeAt(i++);
        if (r === 0x0a) {
          i--;
          fail('unexpected newline in string');
        }
        if (r === c) break;
        if (r === 0x5c && c !== 0x60) {
          if (i >= n) fail('unexpected EOF in string');
          i++;
        }
      }
      push('string', text.slice(start, i), line);
      continue;
    }
    const first = text.codePointAt(i) as number;
    if (!isIdent(first)) fail(`unexpected input character ${JSON.stringify(String.fromCodePoint(first))}`);
    const start = i;
    while (i < n) {
      const cp = text.codePointAt(i) as number;
      if (!isIdent(cp)) break;
      if (cp === 0x2f) {
        const next = text.charCodeAt(i + 1);
        if (next === 0x2f) break;
        if (next === 0x2a) fail('mod files must use // comments (not /* */ comments)');
      }
      i += cp > 0xffff ? 2 : 1;
    }
    push('ident', text.slice(start, i), line);
  }
  out.push({ kind: 'eof', text: '', line });
  return out;
}

const isEOL = (k: Kind) => k === 'eof' || k === 'eolcomment' || k === '\n';

interface Line {
  readonly line: number;
  readonly tokens: string[];
}

type Stmt = Line & ({ readonly block?: undefined } | { readonly block: Line[] });

/** modfile's parser (parseFile, parseStmt, parseLineBlock, parseLine): statements and blocks. */
function parse(tokens: Token[]): Stmt[] {
  let p = 0;
  const peek = () => (tokens[p] as Token).kind;
  // Reading at the end of the file gives its end again, as modfile's lexer does.
  const next = () => {
    const t = tokens[p] as Token;
    if (t.kind !== 'eof') p++;
    return t;
  };
  const stmts: Stmt[] = [];
  for (;;) {
    const k = peek();
    if (k === '\n' || k === 'comment') {
      next();
      continue;
    }
    if (k === 'eof') return stmts;
    const first = next();
    const words = [first.text];
    for (;;) {
      const t = next();
      if (isEOL(t.kind)) {
        stmts.push({ line: first.line, tokens: words });
        break;
      }
      if (t.kind === '(') {
        if (isEOL(peek())) {
          stmts.push({ line: first.line, tokens: words, block: lineBlock(first.line) });
          break;
        }
        if (peek() === ')') {
          next();
          if (isEOL(peek())) {
            next();
            stmts.push({ line: first.line, tokens: words, block: [] });
            break;
          }
          words.push('(', ')');
          continue;
        }
        words.push('(');
        continue;
      }
      words.push(t.text);
    }
  }

  function lineBlock(start: number): Line[] {
    const lines: Line[] = [];
    for (;;) {
      const k = peek();
      if (k === 'eolcomment' || k === '\n' || k === 'comment') {
        next();
        continue;
      }
      if (k === 'eof') throw new GoModSyntaxError(`go.mod:${start}: syntax error (unterminated block started at go.mod:${start})`);
      if (k === ')') {
        const r = next();
        if (!isEOL(peek())) throw new GoModSyntaxError(`go.mod:${r.line}: syntax error (expected newline after closing paren)`);
        next();
        return lines;
      }
      const first = next();
      const words = [first.text];
      for (let t = next(); !isEOL(t.kind); t = next()) words.push(t.text);
      lines.push({ line: first.line, tokens: words });
    }
  }
}

/** modfile.GoVersionRE, and the fix-up ParseLax applies to versions like "1.21-beta" (laxGoVersionRE). */
const GO_VERSION = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const LAX_GO_VERSION = /^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$/;

/** modfile's parseString: a double-quoted word unquoted (strconv.Unquote), or the word; a complaint where it fails. */
function parseString(s: string): { value: string } | { error: string } {
  if (s.startsWith('"')) {
    const value = goUnquote(s);
    return value === undefined ? { error: 'invalid syntax' } : { value };
  }
  return /["'`]/.test(s) ? { error: 'unquoted string cannot contain quote' } : { value: s };
}

export interface VersionInterval {
  readonly low: string;
  readonly high: string;
}

/** What ParseLax keeps of a dependency's go.mod. */
export interface LaxGoMod {
  readonly module?: string;
  /** The go directive's version ("1.21rc1"; "1.21-beta" read as "1.21"), when there is one. */
  readonly go?: string;
  readonly require: ReadonlyArray<{ readonly path: string; readonly version: string }>;
  /** As written: ParseLax neither checks nor canonicalizes retracted versions ("v1.2" stays "v1.2"). */
  readonly retract: readonly VersionInterval[];
}

/**
 * modfile's parseVersionInterval with dontFixRetract: `v` or `[low, high]`, each version only unquoted.
 * ParseLax skips a retract it cannot read (undefined here) and keeps the others.
 */
function retractInterval(args: readonly string[]): VersionInterval | undefined {
  const version = (word: string | undefined) => {
    const v = word === undefined ? undefined : parseString(word);
    return v !== undefined && 'value' in v ? v.value : undefined;
  };
  if (args.length === 0 || args[0] === '(') return undefined;
  if (args[0] !== '[') {
    const v = version(args[0]);
    return v === undefined ? undefined : { low: v, high: v };
  }
  if (args.length < 5 || args[2] !== ',' || args[4] !== ']') return undefined;
  const low = version(args[1]);
  const high = version(args[3]);
  return low === undefined || high === undefined ? undefined : { low, high };
}

/** modfile.ParseLax: what it keeps of a go.mod, or its complaint ("go.mod:LINE: …") where it fails. */
export function parseGoModLax(goMod: Buffer | string): { readonly mod: LaxGoMod; readonly problem?: undefined } | { readonly problem: string } {
  const text = typeof goMod === 'string' ? goMod : goMod.toString('utf8');
  let stmts: Stmt[];
  try {
    stmts = parse(lex(text));
  } catch (err) {
    if (err instanceof GoModSyntaxError) return { problem: err.message };
    throw err;
  }
  const lines: Array<{ verb: string; line: number; args: string[] }> = [];
  for (const s of stmts) {
    if (s.block === undefined) lines.push({ verb: s.tokens[0] as string, line: s.line, args: s.tokens.slice(1) });
    // ParseLax skips blocks with more than one word before '(' and blocks of other verbs.
    else if (s.tokens.length === 1 && ['module', 'require', 'retract'].includes(s.tokens[0] as string))
      for (const l of s.block) lines.push({ verb: s.tokens[0] as string, line: l.line, args: l.tokens });
  }
  let module: string | undefined;
  let modules = 0;
  let go: string | undefined;
  const require: Array<{ path: string; version: string }> = [];
  const retract: VersionInterval[] = [];
  for (const { verb, line, args } of lines) {
    const at = `go.mod:${line}: `;
    if (verb === 'module') {
      if (++modules > 1) return { problem: `${at}repeated module statement` };
      if (args.length !== 1) return { problem: `${at}usage: module module/path` };
      const path = parseString(args[0] as string);
      if ('error' in path) return { problem: `${at}invalid quoted string: ${path.error}` };
      module = path.value;
    } else if (verb === 'go') {
      if (go !== undefined) return { problem: `${at}repeated go statement` };
      if (args.length !== 1) return { problem: `${at}go directive expects exactly one argument` };
      const v = args[0] as string;
      go = GO_VERSION.test(v) ? v : LAX_GO_VERSION.exec(v)?.[1];
      if (go === undefined) return { problem: `${at}invalid go version '${v}': must match format 1.23.0` };
    } else if (verb === 'require') {
      if (args.length !== 2) return { problem: `${at}usage: require module/path v1.2.3` };
      const path = parseString(args[0] as string);
      if ('error' in path) return { problem: `${at}invalid quoted string: ${path.error}` };
      const written = parseString(args[1] as string);
      if ('error' in written) return { problem: `${at}require ${path.value}: version ${goQuote(args[1] as string)} invalid: ${written.error}` };
      if (!isValid(written.value)) return { problem: `${at}require ${path.value}: version ${goQuote(written.value)} invalid: must be of the form v1.2.3` };
      const version = canonicalVersion(written.value);
      const split = splitPathVersion(path.value);
      if (!split.ok) return { problem: `${at}invalid module path` };
      const mismatch = checkPathMajor(version, split.pathMajor);
      if (mismatch !== undefined) return { problem: `${at}require ${path.value}: ${mismatch}` };
      require.push({ path: path.value, version });
    } else if (verb === 'retract') {
      const interval = retractInterval(args);
      if (interval !== undefined) retract.push(interval);
    }
  }
  return { mod: { module, go, require, retract } };
}
