// Replays of a webhook delivery: GitHub, Gitea and GitLab give each delivery an id; one seen in the last
// hour is answered without refreshing again. (A replay without an id can only ask for a refresh from the
// origin, which is idempotent, and refreshes of one module are coalesced, so it cannot multiply work.)
import type { IncomingHttpHeaders } from 'node:http';

const WINDOW_MS = 3_600_000;
const MAX_IDS = 10_000;
const ID_HEADERS = ['x-github-delivery', 'x-gitea-delivery', 'x-gitlab-event-uuid', 'x-hook-delivery'] as const;

export class Deliveries {
  readonly #seen = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when this delivery was seen within the window (and remembers it otherwise). */
  replayed(headers: IncomingHttpHeaders): boolean {
    const id = ID_HEADERS.map((h) => headers[h]).find((v): v is string => typeof v === 'string' && v !== '');
    if (id === undefined) return false;
    const now = this.now();
    const at = this.#seen.get(id);
    if (at !== undefined && now - at < WINDOW_MS) return true;
    // Insertion order is age order: drop the expired, and the oldest when full.
    for (const [k, t] of this.#seen) {
      if (now - t < WINDOW_MS && this.#seen.size < MAX_IDS) break;
      this.#seen.delete(k);
    }
    this.#seen.delete(id);
    this.#seen.set(id, now);
    return false;
  }
}
