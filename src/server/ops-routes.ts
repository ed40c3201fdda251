// Operational endpoints: liveness, readiness and Prometheus metrics. /readyz is 503 while shutting down or
// while the storage cannot be reached (take this instance out of rotation), and 200 with "degraded" while
// only the coordinator cannot be reached: the instance still serves correctly, and when the shared
// coordinator is down every replica is, so taking them all out would turn a degradation into an outage.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/** Why an instance cannot serve, or serves with less; each entry is `component: reason`. */
export interface Readiness {
  readonly unready: readonly string[];
  readonly degraded: readonly string[];
}

const READY: Readiness = { unready: [], degraded: [] };

/** metricsText: the exposition to serve (with worker processes, the sum over all of them). */
export function registerOpsRoutes(
  app: FastifyInstance,
  metrics: Metrics,
  ready: () => boolean,
  metricsText = () => metrics.registry.metrics(),
  readiness: () => Readiness = () => READY,
): void {
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').type('text/plain').send('ok\n'));
  app.get('/readyz', async (_req, reply) => {
    reply.header('cache-control', 'no-store').type('text/plain');
    if (!ready()) return reply.code(503).send('shutting down\n');
    const r = readiness();
    if (r.unready.length > 0)
      return reply
        .code(503)
        .header('retry-after', '5')
        .send(`unready: ${r.unready.join('; ')}\n`);
    if (r.degraded.length > 0)
      return reply.header('x-gomodproxy-degraded', r.degraded.map((d) => d.split(':')[0]).join(', ')).send(`degraded: ${r.degraded.join('; ')}\n`);
    return reply.send('ready\n');
  });
  app.get('/metrics', async (_req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type(metrics.registry.contentType)
      .send(await metricsText()),
  );
}
