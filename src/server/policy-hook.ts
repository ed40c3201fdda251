// The request-time half of the policy: a version cached before a deny rule was added is refused too
// (the fill gate stops only new fills). Installed only when deny rules exist; answers 403 naming the rule.
import type { onRequestHookHandler } from 'fastify';
import type { Policy } from '../policy/policy.js';
import { parseCached } from './goproxy-routes.js';

export function policyHook(policy: Policy): onRequestHookHandler {
  return (req, _reply, done) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return done();
    const path = req.url;
    if (path.startsWith('/sumdb/') || path === '/healthz' || path === '/readyz' || path === '/metrics') return done();
    let r: ReturnType<typeof parseCached>;
    try {
      r = parseCached(path);
    } catch {
      return done();
    }
    try {
      policy.checkRules(r.module, r.version);
    } catch (err) {
      req.goproxy = r;
      return done(err as Error);
    }
    done();
  };
}
