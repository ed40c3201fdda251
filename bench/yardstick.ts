// The runtime's yardstick: a bare Fastify route that answers every GET with the same bytes as a warm `.info`
// (no logging, no routing by path), so a table shows what Node and Fastify alone do on this machine.
// Usage: node --import tsx bench/yardstick.ts PORT BODY [WORKERS]   (WORKERS > 1: node:cluster workers)
import cluster from 'node:cluster';
import Fastify from 'fastify';

const [port = '0', body = '', workers = '1'] = process.argv.slice(2);
const n = Number(workers);

if (n > 1 && cluster.isPrimary) {
  const forked = Array.from({ length: n }, () => cluster.fork());
  // Stopping the primary stops its workers, so the benchmark signals one PID.
  process.once('SIGTERM', () => {
    for (const w of forked) w.process.kill('SIGTERM');
    process.exit(0);
  });
} else {
  const answer = Buffer.from(body);
  const app = Fastify();
  app.get('/*', (_req, reply) => {
    reply.type('application/json').send(answer);
  });
  await app.listen({ host: '127.0.0.1', port: Number(port) });
  process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
