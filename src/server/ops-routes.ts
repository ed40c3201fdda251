// Operational endpoints: liveness, readiness (false while shutting down) and Prometheus metrics.
import type { FastifyInstance } from 'fastify';
import type { Metrics } from '../metrics.js';

/** metricsText: the exposition to serve (with worker processes, the sum over all of them). */
export function registerOpsRoutes(app: FastifyInstance, metrics: Metrics, ready: () => boolean, metricsText = () => metrics.registry.metrics()): void {
  app.get('/healthz', async (_req, reply) => reply.header('cache-control', 'no-store').type('text/plain').send('ok\n'));
  app.get('/readyz', async (_req, reply) => {
    reply.header('cache-control', 'no-store').type('text/plain');
    return ready() ? reply.send('ready\n') : reply.code(503).send('shutting down\n');
  });
  app.get('/metrics', async (_req, reply) =>
    reply
      .header('cache-control', 'no-store')
      .type(metrics.registry.contentType)
      .send(await metricsText()),
  );
}
