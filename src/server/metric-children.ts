// Per-response metric children (requests by endpoint and status, bytes served by endpoint), looked up once
// per label set; tallies (metrics.ts), so a response adds to a number instead of hashing labels. Shared by
// Fastify's hook and the hit fast paths.
import { type Metrics, type Tally, tally } from '../metrics.js';

export class MetricChildren {
  private readonly requests = new Map<string, Tally>();
  private readonly served = new Map<string, Tally>();

  constructor(private readonly metrics: Metrics) {}

  request(endpoint: string, status: number): Tally {
    const k = `${endpoint} ${status}`;
    let c = this.requests.get(k);
    if (c === undefined) this.requests.set(k, (c = tally(this.metrics.requests, { endpoint, status: String(status) })));
    return c;
  }

  bytes(endpoint: string): Tally {
    let c = this.served.get(endpoint);
    if (c === undefined) this.served.set(endpoint, (c = tally(this.metrics.bytesServed, { endpoint })));
    return c;
  }
}
