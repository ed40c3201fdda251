// Upstream fetch options for tests that talk to a local server: no retries (a failure shows at once),
// timeouts generous for a busy machine, and a breaker that a test's own failures do not open.
import type { HttpFetcherOptions } from '../../src/upstream/http-fetcher.js';

export const TEST_FETCH: HttpFetcherOptions = {
  retries: 0,
  retryBackoffMs: 10,
  connectTimeoutMs: 5000,
  firstByteTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  breakerThreshold: 100,
  breakerCooldownMs: 1000,
};
