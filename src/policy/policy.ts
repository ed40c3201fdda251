// The policy as the proxy applies it: deny/allow rules by module glob and version range, and the
// validation hook. It is a fill gate (nothing denied is ever stored, whatever asked for it) and a
// request-time check (versions cached before a rule was added are refused too).
import { gmpError } from '../errors.js';
import type { Candidate, Gate } from '../fill/types.js';
import type { PolicyRules } from '../protocol/policy-rule.js';
import { denyingRule } from '../protocol/policy-rule.js';
import type { ValidationHook } from './validation-hook.js';

export class Policy implements Gate {
  constructor(
    private readonly rules: PolicyRules,
    private readonly hook?: ValidationHook,
  ) {}

  /** Whether any deny rule exists: without one, requests need no check at all. */
  get hasRules(): boolean {
    return this.rules.deny.length > 0;
  }

  /** Throws GMP_ERR_POLICY_DENIED naming the rule that refuses module@version ('' for list and @latest). */
  checkRules(modulePath: string, version: string): void {
    const rule = denyingRule(this.rules, modulePath, version);
    if (rule === undefined) return;
    const what = version === '' ? modulePath : `${modulePath}@${version}`;
    throw gmpError('GMP_ERR_POLICY_DENIED', `forbidden: ${what} is denied by the policy rule "${rule.text}"`);
  }

  /** The gate: rules first (cheap, no network), then the hook. Runs once per artifact before it is stored. */
  async check(c: Candidate): Promise<void> {
    this.checkRules(c.module, c.version);
    await this.hook?.check(c.module, c.version);
  }
}
