// Polling for a state another process reaches in its own time (a follower, a webhook's refresh): generous
// timeouts, since the machine is shared, and never a timing assertion.
import assert from 'node:assert/strict';

/** Polls until `ok` holds, returning how long it took (for diagnostics only). */
export async function eventually(ok: () => Promise<boolean>, what: string, timeoutMs = 60_000): Promise<number> {
  const start = Date.now();
  while (!(await ok())) {
    if (Date.now() - start > timeoutMs) assert.fail(`timed out waiting until ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return Date.now() - start;
}
