// Deny and allow rules of the policy (`--deny`, `--allow`): a module glob in GOPRIVATE syntax with an
// optional version range, `example.com/bad@<v1.2.3` or `corp.example.com/*@>=v1.0.0 <v2.0.0`.
import { malformedGlob, matchPrefixPatterns } from './glob.js';
import { compare, isValid } from './semver.js';

type Op = '<' | '<=' | '>' | '>=' | '=';

interface Comparator {
  readonly op: Op;
  readonly version: string;
}

export interface PolicyRule {
  /** The rule as written, quoted in every denial so the user can find it. */
  readonly text: string;
  readonly glob: string;
  /** Every comparator must hold; none means every version. */
  readonly range: readonly Comparator[];
}

const COMPARATOR = /^(<=|>=|<|>|=)?(v\S+)$/;

/** Parses `GLOB[@RANGE]`; throws with the reason. Comparators are separated by spaces or commas. */
export function parsePolicyRule(text: string): PolicyRule {
  const t = text.trim();
  const at = t.indexOf('@');
  const glob = (at < 0 ? t : t.slice(0, at)).trim();
  if (glob === '' || /[\s,]/.test(glob)) throw new Error(`rule ${JSON.stringify(text)}: the module glob must be one GOPRIVATE-style pattern`);
  if (malformedGlob(glob) !== undefined)
    throw new Error(`rule ${JSON.stringify(text)}: ${JSON.stringify(glob)} is not a valid pattern (path.Match syntax); it would match nothing`);
  const range: Comparator[] = [];
  if (at >= 0) {
    const parts = t
      .slice(at + 1)
      .split(/[\s,]+/)
      .filter((p) => p !== '');
    if (parts.length === 0) throw new Error(`rule ${JSON.stringify(text)}: a version range follows '@', e.g. @<v1.2.3`);
    for (const p of parts) {
      const m = COMPARATOR.exec(p);
      if (m === null || !isValid(m[2] as string)) {
        throw new Error(`rule ${JSON.stringify(text)}: ${JSON.stringify(p)} is not a comparator like <v1.2.3, >=v1.0.0 or v1.4.0`);
      }
      range.push({ op: (m[1] ?? '=') as Op, version: m[2] as string });
    }
  }
  return { text: t, glob, range };
}

function holds(c: Comparator, version: string): boolean {
  const d = compare(version, c.version);
  switch (c.op) {
    case '<':
      return d < 0;
    case '<=':
      return d <= 0;
    case '>':
      return d > 0;
    case '>=':
      return d >= 0;
    case '=':
      return d === 0;
  }
}

/** Whether the rule covers module@version; a rule with a range never covers a non-semver query. */
export function covers(rule: PolicyRule, modulePath: string, version: string): boolean {
  if (!matchPrefixPatterns(rule.glob, modulePath)) return false;
  if (rule.range.length === 0) return true;
  return isValid(version) && rule.range.every((c) => holds(c, version));
}

export interface PolicyRules {
  readonly deny: readonly PolicyRule[];
  readonly allow: readonly PolicyRule[];
}

/** The deny rule that refuses module@version, unless an allow rule makes an exception for it. */
export function denyingRule(rules: PolicyRules, modulePath: string, version: string): PolicyRule | undefined {
  const deny = rules.deny.find((r) => covers(r, modulePath, version));
  if (deny === undefined) return undefined;
  return rules.allow.some((r) => covers(r, modulePath, version)) ? undefined : deny;
}
