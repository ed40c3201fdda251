// The `go` directive of a go.mod and Go language-version comparison, which decide the module zip's
// vendor rule (x/mod ≥ v0.22 switches at go 1.24; digest §5.3). Mirrors modfile.ParseLax + version.Lang.

// modfile.GoVersionRE and the lax fix-up ParseLax applies to versions like "1.21-beta".
const GO_VERSION_RE = /^([1-9][0-9]*)\.(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?([a-z]+[0-9]+)?$/;
const LAX_GO_VERSION_RE = /^v?(([1-9][0-9]*)\.(0|[1-9][0-9]*))([^0-9].*)$/;

/** Splits one go.mod line into tokens, ending at a // comment; quoted tokens stay quoted, as modfile keeps them. */
function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /\s*(\/\/|"(?:[^"\\]|\\.)*"|`[^`]*`|[()]|(?:(?!\/\/)[^\s"`()])+)/y;
  for (let m = re.exec(line); m?.[1] !== undefined && m[1] !== '//'; m = re.exec(line)) out.push(m[1]);
  return out;
}

/**
 * The version of the `go` directive in a go.mod ("1.24", "1.21rc1"), or undefined when there is none or it is
 * malformed or repeated (modfile.ParseLax then fails, and Go treats the version as unknown). Tolerates
 * comments and skips blocks, which ParseLax ignores for "go". Errors in other directives are not reproduced.
 */
export function parseGoDirective(goMod: string): string | undefined {
  let found: string | undefined;
  let inBlock = false;
  for (const line of goMod.split(/\r?\n/)) {
    const toks = tokens(line);
    if (toks.length === 0) continue;
    if (inBlock) {
      if (toks[0] === ')') inBlock = false;
      continue;
    }
    if (toks[toks.length - 1] === '(') {
      inBlock = true;
      continue;
    }
    if (toks[0] !== 'go') continue;
    if (found !== undefined || toks.length !== 2) return undefined;
    const arg = toks[1] as string;
    found = GO_VERSION_RE.test(arg) ? arg : LAX_GO_VERSION_RE.exec(arg)?.[1];
    if (found === undefined) return undefined;
  }
  return found;
}

/** go/version.Lang without the "go" prefix: "1.24.1" → "1.24", "1.21rc1" → "1.21"; undefined when invalid. */
export function goLang(v: string | undefined): [number, number] | undefined {
  const m = v === undefined ? null : /^([1-9][0-9]*)\.(0|[1-9][0-9]*)/.exec(v.replace(/^go/, ''));
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2])];
}

/**
 * Compares the language versions (major.minor) of two go directives: -1, 0 or 1. An unknown or invalid
 * version is older than every valid one, as in go/version.Compare.
 */
export function compareGoLang(a: string | undefined, b: string | undefined): number {
  const la = goLang(a);
  const lb = goLang(b);
  if (la === undefined || lb === undefined) return la === lb ? 0 : la === undefined ? -1 : 1;
  const d = la[0] - lb[0] || la[1] - lb[1];
  return Math.sign(d);
}

/** True when the module's go directive selects the newer (Go 1.24) vendor rule. */
export function usesGo124VendorRule(goVersion: string | undefined): boolean {
  return compareGoLang(goVersion, '1.24') >= 0;
}
