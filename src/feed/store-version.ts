// Storing one followed module version through the normal fill path (validated, verified by the gates):
// its .info, .mod and .zip, each only when storage lacks it, so a version done before a restart costs no
// upstream request; and how a failure to store one should be treated.
import { isGmpError } from '../errors.js';
import type { Fill, Kind } from '../fill/types.js';
import { upstreamAnswer } from './refusals.js';

const KINDS: readonly Kind[] = ['info', 'mod', 'zip'];

/** 'stored' when anything had to be fetched, 'present' when storage held everything already. */
export async function storeVersion(fill: Fill, module: string, version: string): Promise<'stored' | 'present'> {
  let fetched = false;
  for (const kind of KINDS) {
    const want = { kind, module, version };
    if ((await fill.stored(want)) !== undefined) continue;
    // Done means durable: the cursor moves past a version only once a restart would find it.
    await (await fill.fill(want)).durable;
    fetched = true;
  }
  return fetched ? 'stored' : 'present';
}

/**
 * gone: the upstream says the version does not exist (404/410): skipped.
 * denied: this proxy's own policy (--deny, the validation hook) refuses it: skipped, it would be every time.
 * denied_upstream: the upstream's policy refuses it (another gomodproxy's 403 GMP_ERR_POLICY_DENIED): skipped too,
 *   as asking again gets the same answer (a 401 or another 403 is the follower's credentials: refusals.ts).
 * content: the bytes are wrong (bad content, checksum mismatch), or no checksum database knows the version:
 *   retried a few times, then skipped.
 * transient: anything else (unreachable, timeouts, 5xx, storage): retried until it works.
 */
export function failureKind(err: unknown): 'gone' | 'denied' | 'denied_upstream' | 'content' | 'transient' {
  if (isGmpError(err) && err.notFound) return 'gone';
  if (isGmpError(err, 'GMP_ERR_POLICY_DENIED')) return 'denied';
  if (upstreamAnswer(err)?.policyDenied === true) return 'denied_upstream';
  const content = ['GMP_ERR_UPSTREAM_BAD_CONTENT', 'GMP_ERR_CHECKSUM_MISMATCH', 'GMP_ERR_REQUEST_INVALID', 'GMP_ERR_SUMDB_UNKNOWN_VERSION'] as const;
  if (content.some((code) => isGmpError(err, code))) return 'content';
  return 'transient';
}
