// Access control for every route, in one onRequest hook: tokens from HTTP Basic (.netrc: any login, the
// token as password) or Bearer (GOAUTH); 401 with a Basic challenge when credentials are missing or bad,
// 403 for a valid token without the scope, never 404 (the go command would then ask the next proxy and
// leak the path there); failed attempts rate-limited per client address. Public reads cost nothing extra.
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuditLog } from '../audit/audit-log.js';
import { presentedToken } from '../auth/credentials.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { Action } from '../auth/token.js';
import { permits } from '../auth/token.js';
import type { Principal, TokenVerifier } from '../auth/verifier.js';
import { gmpError, isGmpError } from '../errors.js';
import type { Access, Need } from './access.js';

export type AuthMode = 'off' | 'private' | 'all';

export const CHALLENGE = 'Basic realm="gomodproxy"';

/** What a route that serves per-module content to many callers may show this one. */
export interface RequestAccess {
  readonly principal?: Principal;
  canRead(modulePath: string): boolean;
}

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

export interface AuthHookOptions {
  readonly mode: AuthMode;
  readonly access: Access;
  readonly verifier: TokenVerifier;
  readonly limiter: FailureLimiter;
}

export function authHook(o: AuthHookOptions): onRequestHookHandler {
  const { mode, access } = o;
  return (req, reply, done) => {
    const reading = req.method === 'GET' || req.method === 'HEAD';
    // --auth off: only uploads are checked (publishing always needs a token).
    if (mode === 'off' && reading) return done();
    const need = access.classify(req.method, req.url);
    if (need.kind === 'open') return done();
    if (mode === 'private' && need.kind === 'read' && !need.private) return done();
    req.accessNeed = need;
    authorize(o, req, reply, need).then(() => done(), done);
  };
}

async function authorize(o: AuthHookOptions, req: FastifyRequest, reply: FastifyReply, need: Need): Promise<void> {
  const token = presentedToken(req.headers.authorization);
  const filtered = need.kind === 'filtered';
  if (token === undefined && filtered && o.mode !== 'all') {
    req.access = { canRead: (m) => !o.access.isPrivate(m) };
    return;
  }
  if (token === undefined)
    throw challenge(reply, `unauthorized: ${what(need)} needs a token: give it as the password in .netrc (any login) or as a Bearer token`);
  const wait = o.limiter.blockedFor(req.ip);
  if (wait > 0) {
    reply.header('retry-after', String(wait));
    throw gmpError('GMP_ERR_AUTH_RATE_LIMITED', `too many requests: too many failed authentications from this address; retry in ${wait} s`);
  }
  const principal = token === '' ? undefined : await o.verifier.verify(token);
  if (principal === undefined) {
    o.limiter.fail(req.ip);
    req.authFailed = true;
    throw challenge(reply, 'unauthorized: the token is not valid (unknown, expired or revoked)');
  }
  req.principal = principal;
  if (filtered) {
    req.access = { principal, canRead: (m) => !o.access.isPrivate(m) || permits(principal.scopes, 'read', m) };
    return;
  }
  const [action, module] = actionOf(need);
  if (!permits(principal.scopes, action, module)) {
    throw gmpError('GMP_ERR_AUTH_SCOPE', `forbidden: token ${JSON.stringify(principal.name)} has no ${action} scope for ${module ?? 'this path'}`);
  }
}

function actionOf(need: Need): [Action, string | undefined] {
  switch (need.kind) {
    case 'publish':
      return ['publish', need.module];
    case 'admin':
      return ['admin', undefined];
    case 'read':
      return ['read', need.module];
    default:
      return ['read', undefined];
  }
}

function what(need: Need): string {
  if (need.kind === 'publish') return `publishing ${need.module}`;
  if (need.kind === 'read' && need.module !== undefined) return `reading ${need.module}`;
  return 'this path';
}

function challenge(reply: FastifyReply, message: string): Error {
  reply.header('www-authenticate', CHALLENGE);
  return gmpError('GMP_ERR_AUTH_REQUIRED', message);
}

/** Writes refused requests to the audit log; runs only for failed requests, so hits pay nothing. */
export function auditRefusals(app: FastifyInstance, audit: AuditLog): void {
  if (!audit.enabled) return;
  app.addHook('onError', (req, _reply, err, done) => {
    const code = isGmpError(err) ? err.code : undefined;
    const failedAuth = code === 'GMP_ERR_AUTH_REQUIRED' && req.authFailed === true;
    const denied = code === 'GMP_ERR_AUTH_SCOPE' || code === 'GMP_ERR_POLICY_DENIED' || code === 'GMP_ERR_AUTH_RATE_LIMITED';
    // An upload refused by the publisher (conflict, invalid content, a gate) is a publish that did not happen.
    const refusedUpload = req.method === 'PUT' && req.principal !== undefined && !denied;
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
