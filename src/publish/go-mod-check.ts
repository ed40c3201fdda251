// Whether the go command can read an uploaded go.mod at all: a port of the syntax that x/mod's modfile
// reads (its lexer and its statement and block grammar), and of the checks its ParseLax applies to a
// dependency's go.mod (one `module` with one path, one `go` with a version, `require` with a version).
// The go command stops with "parsing go.mod: …" on a go.mod that fails any of them,
// and a published version never changes, so such an upload is refused rather than stored for good.
// What it checks further (a require path's major version, retract intervals, say) is left to the go command:
// a check here that the go command does not make would refuse a good upload.
import { isGoPrint } from '../protocol/go-quote.js';
import { isValid } from '../protocol/semver.js';

type Kind = '\n' | '(' | ')' | '[' | ']' | '{' | '}' | ',' | 'string' | 'ident' | 'comment' | 'eolcomment' | 'eof';

interface Token {
  readonly kind: Kind;
  readonly text: string;
  readonly line: number;
}

class SyntaxError_ extends Error {}

const PUNCTUATION = new Set(['\n', '(', ')', '[', ']', '{', '}', ',']);

/** modfile's isIdent. */
const isIdent = (c: string): boolean => !' ()[]{},'.includes(c) && isGoPrint(c);

/** modfile's lexer (read.go, readToken): the whole file as tokens; throws at what it refuses. */
function lex(text: string): Token[] {
  const chars = [...text];
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new SyntaxError_(`go.mod:${line}: ${what}`);
  };
  const at = (s: string) => chars.slice(i, i + s.length).join('') === s;
  for (;;) {
    let token: Token | undefined;
    while (i < chars.length) {
      const c = chars[i] as string;
      if (c === ' ' || c === '\t' || c === '\r') {
        i++;
        continue;
      }
      if (at('//')) {
        // A comment alone on its line is a statement-level comment; after something, an end-of-line one.
        let j = i - 1;
        while (j >= 0 && chars[j] !== '\n') j--;
        const suffix =
          chars
            .slice(j + 1, i)
            .join('')
            .trim() !== '';
        const start = line;
        let body = '';
        while (i < chars.length) {
          const r = chars[i++] as string;
          if (r === '\n') {
            line++;
            break;
          }
          body += r;
        }
        token = { kind: suffix ? 'eolcomment' : 'comment', text: body, line: start };
        break;
      }
      if (at('/*')) fail('mod files must use // comments (not /* */ comments)');
      break;
    }
    if (token !== undefined) {
      out.push(token);
      continue;
    }
    if (i >= chars.length) {
      out.push({ kind: 'eof', text: '', line });
      return out;
    }
    const c = chars[i] as string;
    if (PUNCTUATION.has(c)) {
      i++;
      out.push({ kind: c as Kind, text: c, line });
      if (c === '\n') line++;
      continue;
    }
    if (c === '"' || c === '`') {
      const start = i++;
      for (;;) {
        if (i >= chars.length) fail('unexpected EOF in string');
        if (chars[i] === '\n') fail('unexpected newline in string');
        const r = chars[i++] as string;
        if (r === c) break;
        if (r === '\\' && c !== '`') {
          if (i >= chars.length) fail('unexpected EOF in string');
          i++;
        }
      }
      out.push({ kind: 'string', text: chars.slice(start, i).join(''), line });
      continue;
    }
    if (!isIdent(c)) fail(`unexpected input character ${JSON.stringify(c)}`);
    const start = i;
    while (i < chars.length && isIdent(chars[i] as string)) {
      if (at('//')) break;
      if (at('/*')) fail('mod files must use // comments (not /* */ comments)');
      i++;
    }
    out.push({ kind: 'ident', text: chars.slice(start, i).join(''), line });
  }
}

const isEOL = (k: Kind) => k === 'eof' || k === 'eolcomment' || k === '\n';

type Stmt = { readonly line: number; readonly tokens: string[] } & (
  | { readonly block?: undefined }
  | { readonly block: Array<{ line: number; tokens: string[] }> }
);

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

  function lineBlock(start: number): Array<{ line: number; tokens: string[] }> {
    const lines: Array<{ line: number; tokens: string[] }> = [];
    for (;;) {
      const k = peek();
      if (k === 'eolcomment' || k === '\n' || k === 'comment') {
        next();
        continue;
      }
      if (k === 'eof') throw new SyntaxError_(`go.mod:${start}: syntax error (unterminated block started at go.mod:${start})`);
      if (k === ')') {
        const r = next();
        if (!isEOL(peek())) throw new SyntaxError_(`go.mod:${r.line}: syntax error (expected newline after closing paren)`);
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

const GO_VERSION = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const LAX_GO_VERSION = /^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$/;

/** modfile's parseString for what it refuses: a quote inside an unquoted word. */
function badWord(s: string): boolean {
  return !s.startsWith('"') && /["'`]/.test(s);
}

/** The go command's complaint about this go.mod ("go.mod:LINE: …"), or undefined when it reads it. */
export function goModProblem(goMod: Buffer | string): string | undefined {
  const text = typeof goMod === 'string' ? goMod : goMod.toString('utf8');
  let stmts: Stmt[];
  try {
    stmts = parse(lex(text));
  } catch (err) {
    if (err instanceof SyntaxError_) return err.message;
    throw err;
  }
  let modules = 0;
  let gos = 0;
  const lines: Array<{ verb: string; line: number; args: string[] }> = [];
  for (const s of stmts) {
    if (s.block === undefined) lines.push({ verb: s.tokens[0] as string, line: s.line, args: s.tokens.slice(1) });
    // ParseLax skips blocks with more than one word before '(' and blocks of other verbs.
    else if (s.tokens.length === 1 && ['module', 'require', 'retract'].includes(s.tokens[0] as string))
      for (const l of s.block) lines.push({ verb: s.tokens[0] as string, line: l.line, args: l.tokens });
  }
  for (const { verb, line, args } of lines) {
    const at = `go.mod:${line}: `;
    if (verb === 'module') {
      if (++modules > 1) return `${at}repeated module statement`;
      if (args.length !== 1) return `${at}usage: module module/path`;
      if (badWord(args[0] as string)) return `${at}invalid quoted string: unquoted string cannot contain quote`;
    } else if (verb === 'go') {
      if (++gos > 1) return `${at}repeated go statement`;
      if (args.length !== 1) return `${at}go directive expects exactly one argument`;
      const v = args[0] as string;
      if (!GO_VERSION.test(v) && !LAX_GO_VERSION.test(v)) return `${at}invalid go version '${v}': must match format 1.23.0`;
    } else if (verb === 'require') {
      if (args.length !== 2) return `${at}usage: require module/path v1.2.3`;
      if (badWord(args[0] as string) || badWord(args[1] as string)) return `${at}invalid quoted string: unquoted string cannot contain quote`;
      const v = (args[1] as string).replace(/^"(.*)"$/, '$1');
      if (!isValid(v)) return `${at}require ${args[0]}: version "${v}" invalid: must be of the form v1.2.3`;
    }
  }
  return undefined;
}
