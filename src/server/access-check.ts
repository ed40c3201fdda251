// The access decision for one request, from its method, URL, Authorization header and client address
// alone: no Fastify, so a fast path that answers hits before routing can call it too. Requests that need
// no token (public reads, health) are decided synchronously and cost one map lookup; only a presented
// token makes the answer a promise (its record is read from the coordinator, remembered for seconds).
import { presentedToken } from '../auth/credentials.js';
import type { FailureLimiter } from '../auth/failure-limiter.js';
import type { Action } from '../auth/token.js';
import { permits } from '../auth/token.js';
import type { Principal, TokenVerifier } from '../auth/verifier.js';
import type { GmpError } from '../errors.js';
import { gmpError, isGmpError } from '../errors.js';
import type { Access, Need } from './access.js';

export type AuthMode = 'off' | 'private' | 'all';

export const CHALLENGE = 'Basic realm="gomodproxy"';

export interface AccessRequest {
  readonly method: string;
  readonly url: string;
  /** The Authorization header, as received. */
  readonly authorization?: string;
  /** The client address (failed attempts are limited per address). */
  readonly ip: string;
}

/** What a route that serves per-module content to many callers may show this one. */
export interface RequestAccess {
  readonly principal?: Principal;
  canRead(modulePath: string): boolean;
}

export type AccessDecision =
  | {
      readonly allow: true;
      /** Set when the request needed a check (absent: nothing to record). */
      readonly need?: Need;
      readonly principal?: Principal;
      /** For routes whose need is 'filtered'. */
      readonly access?: RequestAccess;
    }
  | {
      readonly allow: false;
      /** 401, 403 or 429 as a registry error; its message is the plain-text body the go command shows. */
      readonly error: GmpError;
      /** WWW-Authenticate on 401, Retry-After on 429. */
      readonly headers: Readonly<Record<string, string>>;
      readonly need: Need;
      readonly principal?: Principal;
      /** Credentials were presented and refused: an audited failed authentication. */
      readonly failedAuth: boolean;
    };

export interface AccessCheckOptions {
  readonly mode: AuthMode;
  readonly access: Access;
  readonly verifier: TokenVerifier;
  readonly limiter: FailureLimiter;
}

const ALLOW: AccessDecision = { allow: true };

export class AccessCheck {
  constructor(private readonly o: AccessCheckOptions) {}

  /** The decision; synchronous unless a token has to be verified. */
  decide(r: AccessRequest): AccessDecision | Promise<AccessDecision> {
    const { mode, access } = this.o;
    // --auth off: only uploads are checked (publishing always needs a token).
    if (mode === 'off' && (r.method === 'GET' || r.method === 'HEAD')) return ALLOW;
    const need = access.classify(r.method, r.url);
    if (need.kind === 'open') return ALLOW;
    if (mode === 'private' && need.kind === 'read' && !need.private) return ALLOW;
    const token = presentedToken(r.authorization);
    if (token === undefined && need.kind === 'filtered' && mode !== 'all') return { allow: true, need, access: { canRead: (m) => !access.isPrivate(m) } };
    if (token === undefined)
      return challenge(
        need,
        false,
        `unauthorized: ${what(need)} needs a token: give it as the password in .netrc (any login; the go command sends it only to https URLs) or as a Bearer token`,
      );
    const wait = this.o.limiter.blockedFor(r.ip);
    if (wait > 0 && !this.o.verifier.knownValid(token)) {
      const error = gmpError('GMP_ERR_AUTH_RATE_LIMITED', `too many requests: too many failed authentications from this address; retry in ${wait} s`);
      return { allow: false, error, headers: { 'retry-after': String(wait) }, need, failedAuth: false };
    }
    return this.withToken(r, need, token);
  }

  private async withToken(r: AccessRequest, need: Need, token: string): Promise<AccessDecision> {
    let principal: Principal | undefined;
    try {
      principal = token === '' ? undefined : await this.o.verifier.verify(token);
    } catch (err) {
      throw tokenUncheckable(err);
    }
    if (principal === undefined) {
      this.o.limiter.fail(r.ip);
      return challenge(need, true, 'unauthorized: the token is not valid (unknown, expired or revoked)');
    }
    if (need.kind === 'filtered') {
      const access = this.o.access;
      return { allow: true, need, principal, access: { principal, canRead: (m) => !access.isPrivate(m) || permits(principal.scopes, 'read', m) } };
    }
    const [action, module] = actionOf(need);
    if (permits(principal.scopes, action, module)) return { allow: true, need, principal };
    const error = gmpError('GMP_ERR_AUTH_SCOPE', `forbidden: token ${JSON.stringify(principal.name)} has no ${action} scope for ${module ?? 'this path'}`);
    return { allow: false, error, headers: {}, need, principal, failedAuth: false };
  }
}

/**
 * The coordinator's outage while a token is looked up: still 503 with Retry-After (a token is never taken on
 * trust, nor refused as if it were wrong), saying why the request needs it, instead of the bare error of the
 * database client, which named the coordinator's host to anyone who sends a token (its reason is in /readyz and
 * the server's log).
 */
function tokenUncheckable(err: unknown): unknown {
  if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) return err;
  return gmpError(
    'GMP_ERR_COORDINATOR_UNAVAILABLE',
    'service unavailable: the token cannot be checked: the coordinator that keeps the tokens cannot be reached; retry once it answers',
    err,
  );
}

function challenge(need: Need, failedAuth: boolean, message: string): AccessDecision {
  return { allow: false, error: gmpError('GMP_ERR_AUTH_REQUIRED', message), headers: { 'www-authenticate': CHALLENGE }, need, failedAuth };
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
