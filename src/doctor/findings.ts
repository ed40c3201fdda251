// What `gomodproxy doctor` reports: findings with a severity and a fix, and how a fix is written for
// `go env -w`, POSIX shells and PowerShell. The checks themselves live in checks-*.ts.
import { assignment, shQuote, unsetLine } from '../shellenv/quote.js';
import type { GoSettings } from './settings.js';

export type Severity = 'error' | 'warning' | 'info';

export interface Fix {
  /** Variables to set to these values. */
  readonly set?: ReadonlyArray<readonly [string, string]>;
  /** Environment variables to remove (they hide the go env file). */
  readonly unset?: readonly string[];
}

export interface Finding {
  /** Stable identifier, for --json consumers and tests. */
  readonly id: string;
  readonly severity: Severity;
  readonly variable: string;
  readonly message: string;
  readonly fix?: Fix;
}

export interface FixLines {
  readonly goEnv: string[];
  readonly export: string[];
  readonly powershell: string[];
}

const RANK: Readonly<Record<Severity, number>> = { error: 0, warning: 1, info: 2 };

export function bySeverity(a: Finding, b: Finding): number {
  return RANK[a.severity] - RANK[b.severity];
}

/**
 * The fix in three spellings. A variable set in the environment wins over `go env -w`, so for those the
 * go env line first says to remove it from the environment (go env -w only warns and changes nothing).
 */
export function fixLines(fix: Fix, settings?: GoSettings): FixLines {
  const set = fix.set ?? [];
  const unset = fix.unset ?? [];
  const goEnv: string[] = [];
  if (set.length > 0) goEnv.push(`go env -w ${set.map(([n, v]) => shQuote(`${n}=${v}`)).join(' ')}`);
  const hidden = set.map(([n]) => n).filter((n) => settings?.envValues[n] !== undefined);
  for (const n of hidden) goEnv.unshift(`# ${n} is set in the environment, which wins over the go env file: remove it there`);
  return {
    goEnv,
    export: [...unset.map((n) => unsetLine('sh', n)), ...set.map(([n, v]) => assignment('sh', n, v))],
    powershell: [...unset.map((n) => unsetLine('powershell', n)), ...set.map(([n, v]) => assignment('powershell', n, v))],
  };
}

export function finding(id: string, severity: Severity, variable: string, message: string, fix?: Fix): Finding {
  return fix === undefined ? { id, severity, variable, message } : { id, severity, variable, message, fix };
}
