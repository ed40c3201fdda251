// The `go` directive of a go.mod and Go language-version comparison, which decide the module zip's
// vendor rule (x/mod ≥ v0.22 switches at go 1.24; digest §5.3). Mirrors modfile.ParseLax + version.Lang.
import { parseGoModLax } from '../protocol/go-mod-lax.js';

/**
 * The version of the `go` directive in a go.mod ("1.24", "1.21rc1", "1.21-beta" read as "1.21"), or undefined when
 * there is none or modfile.ParseLax fails on the file: Go then treats the version as unknown.
 */
export function parseGoDirective(goMod: string): string | undefined {
  const lax = parseGoModLax(goMod);
  return lax.problem === undefined ? lax.mod.go : undefined;
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
