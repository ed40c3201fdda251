// A parent refusing a follower: 401 or 403 from its feed, or from the upstream a followed version is filled
// from (but not a 403 that another gomodproxy names GMP_ERR_POLICY_DENIED: its policy's final word on one
// version, which store-version.ts skips). That is credentials to fix (a token revoked, a scope too narrow), so nothing is skipped (the versions
// would be lost): the feed and each version keep being retried with their backoff. A run of refusals is
// logged once at error, with the parent's address (the error names it, never with credentials), and its end
// once; each retry is logged at debug; the state is the gauge gomodproxy_follow_refused{feed}.
import type { Logger } from 'pino';
import type { Metrics } from '../metrics.js';
import { UpstreamStatusError } from '../upstream/upstream-errors.js';

const REFUSED = 'a parent refuses this follower (its token may need fixing): retrying with backoff, skipping nothing; not logged again until it answers';

/** The upstream's answer inside err (wrapped or not), if err is one. */
export function upstreamAnswer(err: unknown): UpstreamStatusError | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof UpstreamStatusError) return e;
  }
  return undefined;
}

/**
 * The parent's 401 or 403 inside err, if that is what err is. Not a 403 its policy answers for one version
 * (GMP_ERR_POLICY_DENIED): no token changes that (store-version.ts: denied_upstream).
 */
export function refusalStatus(err: unknown): number | undefined {
  const e = upstreamAnswer(err);
  if (e === undefined || e.policyDenied) return undefined;
  return e.upstreamStatus === 401 || e.upstreamStatus === 403 ? e.upstreamStatus : undefined;
}

/** What was refused: the feed's pages, or one version (its module@version). */
export const FEED_PAGES = 'feed';

export class Refusals {
  /** What the parent refuses now; the run lasts until each has been answered or is no longer tried. */
  readonly #refused = new Set<string>();
  #running = false;
  #count = 0;

  constructor(
    private readonly feed: string,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
  ) {}

  /** True when err is a refusal of `what`: told here (fields say what is retried when), so the caller logs nothing. */
  told(err: unknown, what: string, fields: Record<string, unknown>): boolean {
    const status = refusalStatus(err);
    if (status === undefined) return false;
    this.#refused.add(what);
    this.#count++;
    const line = { feed: this.feed, ...fields, status, err: (err as Error).message };
    if (this.#running) return (void this.logger.debug(line, REFUSED), true);
    this.#running = true;
    this.metrics?.followRefused.set({ feed: this.feed }, 1);
    this.logger.error(line, REFUSED);
    return true;
  }

  /** The parent answered for `what` (a page of its feed, a version stored): once it answers for everything, the run is over. */
  answered(what: string): void {
    this.#refused.delete(what);
    if (!this.#running || this.#refused.size > 0) return;
    this.#running = false;
    this.metrics?.followRefused.set({ feed: this.feed }, 0);
    this.logger.info({ feed: this.feed, refusals: this.#count }, 'the parent answers this follower again');
    this.#count = 0;
  }

  /** Whether the parent refuses this follower now (gomodproxy_follow_refused is 1). */
  get refusing(): boolean {
    return this.#running;
  }

  /** `what` is no longer tried (skipped for another reason, left for a later run): the run ends with the next answer. */
  dropped(what: string): void {
    this.#refused.delete(what);
  }
}
