// What companies need, put together from the configuration: access tokens and the auth hook, the policy
// (deny/allow rules, validation hook) as a fill gate and a request check, publishing (upload routes and
// published versions in lists), and the audit log. compose.ts wires these into the fill path and the app.
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { fileReason, settingError } from './setting-error.js';
import { openAuditLog } from '../audit/audit-log.js';
import type { AuditLog, AuditTrouble } from '../audit/audit-log.js';
import { FailureLimiter } from '../auth/failure-limiter.js';
import { TokenStore } from '../auth/token-store.js';
import { TokenVerifier } from '../auth/verifier.js';
import type { VersionsOverlay } from '../cache/module-cache.js';
import { formatDuration } from '../config/units.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import type { Exclusive } from '../coord/exclusive.js';
import type { Committer } from '../fill/commit.js';
import type { Gate } from '../fill/types.js';
import { PolicyListFilter } from '../policy/list-filter.js';
import { Policy } from '../policy/policy.js';
import { denyingRule, parsePolicyRule } from '../protocol/policy-rule.js';
import { ValidationHook } from '../policy/validation-hook.js';
import { PublishedOverlay } from '../publish/list-overlay.js';
import { Publisher } from '../publish/publisher.js';
import { PublishedVersions } from '../publish/published-versions.js';
import { Access } from '../server/access.js';
import type { AccessRoute } from '../server/access.js';
import { AccessCheck } from '../server/access-check.js';
import type { AccessDecision } from '../server/access-check.js';
import type { AppOptions } from '../server/app.js';
import { auditRefusals, authHook } from '../server/auth-hook.js';
import type { Metrics } from '../metrics.js';
import type { MethodAllowance } from '../server/method-guard.js';
import { policyHook } from '../server/policy-hook.js';
import { UPLOAD_METHODS, uploadRoutes } from '../server/upload-routes.js';
import type { Layout } from './layout.js';

export interface CompanyDeps {
  readonly layout: Layout;
  readonly coord: Coordinator;
  /** What fills hold an artifact's key with: an upload holds the same. */
  readonly locks: Exclusive;
  readonly log: Logger;
  readonly isPrivate: (modulePath: string) => boolean;
  readonly redact: (modulePath: string) => string;
  /** Counts audit events that could not be written. */
  readonly metrics?: Metrics;
}

export interface Company {
  /** Fill gates (the policy), after the checksum gate. */
  readonly gates: readonly Gate[];
  /** Published versions in list and @latest answers. */
  readonly overlay: VersionsOverlay;
  /** Whether the policy's rules let module@version be listed (the index feed leaves out what they deny). */
  readonly listed: (modulePath: string, version: string) => boolean;
  readonly audit: AuditLog;
  /** The app's part: hooks and upload routes, given the commit rules the fill path uses. */
  plugins(commit: Committer, routes?: readonly AccessRoute[]): Array<(app: FastifyInstance) => void>;
  readonly methods: readonly MethodAllowance[];
  /** Whether and for which requests memory hits may skip the request hooks (AppOptions.fastHits). */
  fastHits(routes?: readonly AccessRoute[]): AppOptions['fastHits'];
  close(): Promise<void>;
}

export function openCompany(config: Readonly<Config>, deps: CompanyDeps): Company {
  const { layout, coord, log } = deps;
  const audit = openAudit(config.audit.log, log, deps.metrics);
  const p = config.policy;
  const hook =
    p.hook === '' ? undefined : new ValidationHook({ url: p.hook, timeoutMs: p.hookTimeout, failOpen: p.hookFailure === 'open', log, redact: deps.redact });
  const rules = { deny: p.deny.map(parsePolicyRule), allow: p.allow.map(parsePolicyRule) };
  const policy = new Policy(rules, hook);
  const published = new PublishedVersions(layout.cache);
  const verifier = new TokenVerifier(new TokenStore(coord));
  const limiter = new FailureLimiter(config.auth.failLimit);
  const own = config.ownSumdb.enabled ? { name: config.ownSumdb.name, base: config.ownSumdb.base } : undefined;
  // The request hooks and the fast path classify requests with the same rules.
  const accessFor = (routes?: readonly AccessRoute[]) => new Access({ isPrivate: deps.isPrivate, ownSumdb: own, routes });
  return {
    gates: policy.hasRules || hook !== undefined ? [policy] : [],
    // Published versions join the lists; the policy's rules then leave denied ones out.
    overlay: policy.hasRules ? new PolicyListFilter(rules, new PublishedOverlay(published)) : new PublishedOverlay(published),
    listed: (m, v) => denyingRule(rules, m, v) === undefined,
    audit,
    methods: UPLOAD_METHODS,
    plugins: (commit, routes) => {
      const access = accessFor(routes);
      const lockWait = { ms: config.publish.lockWait, shown: formatDuration(config.publish.lockWait) };
      const publisher = new Publisher({ store: layout.cache, commit, locks: deps.locks, published, lockWait });
      const auth = authHook({ mode: config.auth.mode, access, verifier, limiter });
      // With --auth off only uploads need a token: the hook then runs on the upload route alone, and reads pay nothing.
      const everywhere = config.auth.mode !== 'off';
      return [
        (app) => {
          if (everywhere) app.addHook('onRequest', auth);
          if (policy.hasRules) app.addHook('onRequest', policyHook(policy));
          auditRefusals(app, audit);
        },
        uploadRoutes({ publisher, scratch: layout.scratch, audit, auth: everywhere ? undefined : auth }),
      ];
    },
    fastHits: (routes) => {
      // Policy rules apply to every read, hits included: those go through the hook.
      if (policy.hasRules) return false;
      if (config.auth.mode === 'off') return {};
      const check = new AccessCheck({ mode: config.auth.mode, access: accessFor(routes), verifier, limiter });
      // Without credentials the decision is synchronous; a plain allow (no need recorded) needs no hook.
      return { mayServe: (method, url) => isPlainAllow(check.decide({ method, url, ip: '' })) };
    },
    close: () => audit.close(),
  };
}

function isPlainAllow(d: AccessDecision | Promise<AccessDecision>): boolean {
  return !(d instanceof Promise) && d.allow && d.need === undefined && d.access === undefined;
}

/** The audit log, or the setting named when its file cannot be opened (a missing folder, no permission). */
function openAudit(destination: string, log: Logger, metrics?: Metrics): AuditLog {
  // The run's lines carry the system's reason only: never an event's content (a token's name, a private path).
  const trouble: AuditTrouble = {
    failing: (reason, err) =>
      log.error(
        { reason, err },
        'cannot write the audit log (--audit-log): events are dropped and counted in gomodproxy_audit_dropped_total; the next event tries again, not logged again until one is written',
      ),
    dropped: () => metrics?.auditDropped.inc(),
    writesAgain: (dropped) => log.info({ dropped }, 'the audit log is written again (an audit.dropped line in it counts the events lost)'),
  };
  try {
    return openAuditLog(destination, process.stdout, trouble);
  } catch (err) {
    throw settingError('audit-log', `cannot open ${destination}: ${fileReason(err)}`, err);
  }
}
