// Per-response metric children (requests by endpoint and status, bytes served by endpoint), looked up once
// per label set instead of hashing labels on every response; shared by Fastify's hook and the hit fast path.
import type { Metrics } from '../metrics.js';

export class MetricChildren {
  private readonly requests = new Map<string, { inc(): void }>();
  private readonly served = new Map<string, { inc(n: number): void }>();

  constructor(private readonly metrics: Metrics) {}

  request(endpoint: string, status: number): { inc(): void } {
    const k = `${endpoint} ${status}`;
    let c = this.requests.get(k);
    if (c === undefined) this.requests.set(k, (c = this.metrics.requests.labels({ endpoint, status: String(status) })));
    return c;
  }

  bytes(endpoint: string): { inc(n: number): void } {
    let c = this.served.get(endpoint);
    if (c === undefined) this.served.set(endpoint, (c = this.metrics.bytesServed.labels({ endpoint })));
    return c;
  }
}
