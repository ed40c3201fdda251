// Access control for every route, in one onRequest hook: the decision is AccessCheck's (access-check.ts:
// Basic or Bearer tokens, 401 with a challenge, 403 for a missing scope, never 404); this file records it on
// the request, answers refusals, and writes refused requests to the audit log.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import type { Principal } from '../auth/verifier.js';
import { isGmpError } from '../errors.js';
import type { Need } from './access.js';
import { AccessCheck } from './access-check.js';
import type { AccessCheckOptions, AccessDecision, RequestAccess } from './access-check.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated token, when the request needed or carried one. */
    principal?: Principal;
    /** Set for routes whose need is 'filtered'. */
    access?: RequestAccess;
    /** What the auth hook decided the request needs (for the audit log). */
    accessNeed?: Need;
    /** Credentials were presented and refused (an audited failed authentication). */
    authFailed?: boolean;
  }
}

export type AuthHookOptions = AccessCheckOptions;

/** The Fastify side of AccessCheck: records the decision on the request and answers refusals. */
export function authHook(o: AuthHookOptions): onRequestHookHandler {
  const check = new AccessCheck(o);
  return (req, reply, done) => {
    const d = check.decide({ method: req.method, url: req.url, authorization: req.headers.authorization, ip: req.ip });
    if (!(d instanceof Promise)) return done(apply(d, req, reply));
    d.then((x) => done(apply(x, req, reply)), done);
  };
}

function apply(d: AccessDecision, req: FastifyRequest, reply: FastifyReply): Error | undefined {
  if (d.need !== undefined) req.accessNeed = d.need;
  if (d.principal !== undefined) req.principal = d.principal;
  if (d.allow) {
    if (d.access !== undefined) req.access = d.access;
    return undefined;
  }
  if (d.failedAuth) req.authFailed = true;
  for (const [k, v] of Object.entries(d.headers)) reply.header(k, v);
  return d.error;
}

/** Writes refused requests to the audit log; runs only for failed requests, so hits pay nothing. */
export function auditRefusals(app: FastifyInstance, audit: AuditLog): void {
  if (!audit.enabled) return;
  app.addHook('onError', (req, _reply, err, done) => {
    const code = isGmpError(err) ? err.code : undefined;
    const failedAuth = code === 'GMP_ERR_AUTH_REQUIRED' && req.authFailed === true;
    const denied = code === 'GMP_ERR_AUTH_SCOPE' || code === 'GMP_ERR_POLICY_DENIED' || code === 'GMP_ERR_AUTH_RATE_LIMITED';
    // An upload refused by the publisher (conflict, invalid content, a gate) is a publish that did not happen
    // (other PUTs, such as pinning in the dashboard's API, are not uploads).
    const refusedUpload = req.method === 'PUT' && req.accessNeed?.kind === 'publish' && req.principal !== undefined && !denied;
    if (failedAuth || denied || refusedUpload) {
      const need = req.accessNeed;
      const module = req.goproxy?.module ?? (need !== undefined && 'module' in need ? need.module : undefined);
      audit.record({
        event: failedAuth ? 'auth.failed' : refusedUpload ? 'publish' : 'denied',
        ...(refusedUpload ? { result: 'refused' } : {}),
        ...(req.principal === undefined ? {} : { token: req.principal.name, tokenId: req.principal.id }),
        client: req.ip,
        method: req.method,
        ...(module === undefined ? {} : { module }),
        ...(req.goproxy?.version ? { version: req.goproxy.version } : {}),
        status: (err as { status?: number }).status,
        reason: (err as Error).message,
      });
    }
    done();
  });
}
