// The policy in `@v/list`: versions a deny rule refuses are left out, so that `go get m@latest` (and `go list -m
// -versions`) choose among the versions that may be used instead of picking a denied one and failing on it. Only
// the rules filter lists (the validation hook is asked per version, at fill time). @latest is passed on as it is:
// the go command asks for it only when the list names no version, and a denied version it names is refused (403)
// when its .info, .mod or .zip is asked for.
import { etagOf } from '../cache/etag.js';
import type { Small, VersionsOverlay } from '../cache/module-cache.js';
import type { PolicyRules } from '../protocol/policy-rule.js';
import { denyingRule } from '../protocol/policy-rule.js';

export class PolicyListFilter implements VersionsOverlay {
  constructor(
    private readonly rules: PolicyRules,
    private readonly inner: VersionsOverlay,
  ) {}

  async list(modulePath: string, base: () => Promise<Small>): Promise<Small> {
    const from = await this.inner.list(modulePath, base);
    const lines = from.body.toString('utf8').split('\n');
    const kept = lines.filter((v) => v === '' || denyingRule(this.rules, modulePath, v.trim()) === undefined);
    if (kept.length === lines.length) return from;
    const body = Buffer.from(kept.join('\n'));
    return { ...from, body, etag: etagOf(body), bytes: body.length + 128 };
  }

  latest(modulePath: string, base: () => Promise<Small>, info: (version: string) => Promise<Small>): Promise<Small> {
    return this.inner.latest(modulePath, base, info);
  }
}
