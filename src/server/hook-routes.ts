// POST /hooks/refresh: a push announced by a webhook (GitHub, GitLab, Gitea or a plain {"module": …}),
// authenticated by the shared secret (HMAC of the body, or the secret as a token). Bad signatures get 401,
// unknown or malformed payloads 400, replayed deliveries 200 without work; nothing else happens for them.
import type { FastifyInstance } from 'fastify';
import { within } from '../bounded-wait.js';
import { gmpError } from '../errors.js';
import type { Deliveries } from '../hooks/deliveries.js';
import { parseHook } from '../hooks/payload.js';
import type { ModuleRefresh, Refresher } from '../hooks/refresher.js';
import { verifySender } from '../hooks/signature.js';

/** GitHub sends at most 25 MB; a push of many commits can be a few MB. */
const BODY_LIMIT = 8 << 20;
/** Webhook senders give up after ~10 s: answer 202 by then and let the refresh finish in the background. */
const WAIT_MS = 8000;

export interface HookRoutesOptions {
  /** Empty: webhooks are off. */
  readonly secret: string;
  readonly refresher: Refresher;
  readonly deliveries: Deliveries;
}

export function hookRoutes(options: HookRoutesOptions): (app: FastifyInstance) => void {
  return (app) => {
    void app.register(async (scope) => {
      // The signature covers the exact bytes sent: keep the body raw whatever its content type.
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
      scope.post('/hooks/refresh', async (req, reply) => {
        if (options.secret === '') throw gmpError('GMP_ERR_NOT_FOUND', 'not found: refresh hooks are off (set --hook-secret)');
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const verdict = verifySender(options.secret, req.headers, body);
        if (verdict !== 'ok') {
          throw gmpError(
            'GMP_ERR_HOOK_UNAUTHORIZED',
            verdict === 'missing'
              ? 'unauthorized: sign the body with the hook secret (X-Hub-Signature-256: sha256=<HMAC>) or send it as X-Gitlab-Token or a Bearer token'
              : 'unauthorized: the signature or token does not match the hook secret',
          );
        }
        const hook = parseHook(req.headers, body);
        reply.header('cache-control', 'no-store');
        if (hook.kind === 'ping') return reply.send({ ok: true, event: 'ping' });
        if (options.deliveries.replayed(req.headers)) return reply.send({ ok: true, replayed: true, modules: [] });
        const modules = await options.refresher.modulesOf(hook);
        const work = options.refresher.refresh(modules);
        const done: ModuleRefresh[] | undefined = await within(work, WAIT_MS, () => undefined);
        if (done === undefined) {
          work.catch((err: unknown) => req.log.warn({ err: (err as Error).message }, 'refresh hook failed in the background'));
          return reply.code(202).send({ ok: true, pending: true, modules: modules.map((module) => ({ module })) });
        }
        return reply.send({ ok: true, modules: done });
      });
    });
  };
}
