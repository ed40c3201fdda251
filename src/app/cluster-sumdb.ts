// The own checksum database across the workers of `serve --workers N`. A lookup of a version not yet in the log
// waits until the log's writer, one of the workers, has appended it. Left as a marker, it waited for the
// writer's next look (every 200 ms while busy, longer while idle) and then for this worker's view of the log's
// head (re-read every 250 ms): a cold graph verified against the own database took several times as long with
// two workers as with GOSUMDB off (docs/performance.md). Here the worker hands the versions to the primary,
// which asks every worker: the writer appends them at once and says so. A worker that gets no yes in time
// falls back on the marker (verify/own-sumdb.ts).
import type { Channel } from '../coord/ipc.js';
import { check } from '../protocol/module-path.js';
import { GatherHub, GatherPeer } from './cluster-gather.js';

const PREFIX = 'gmp-sumdb';
/** At most this many versions per question: a lookup hands one. */
const MAX_VERSIONS = 100;

export interface SubmittedVersion {
  readonly modulePath: string;
  readonly version: string;
}

/** Whether a worker (the writer) said it appended them. */
const appended = (parts: ReadonlyMap<string, unknown>): boolean => [...parts.values()].includes(true);

/** Primary side: add every worker's channel. The answer is whether any worker (the writer) appended them. */
export class SumdbSubmitHub {
  // The writer's yes settles it: a slow or hung worker is not waited for.
  private readonly hub: GatherHub = new GatherHub(PREFIX, async (q) => appended(await this.hub.gather(q)), appended);

  add(id: string, channel: Channel): () => void {
    return this.hub.add(id, channel);
  }
}

/**
 * Worker side: `append` runs when a worker asks (this one too), and resolves to true once this process, as the
 * log's writer, has committed every version asked (false when it is not the writer).
 */
export class WorkerSumdbSubmit {
  private readonly peer: GatherPeer;

  constructor(channel: Channel, append: (versions: readonly SubmittedVersion[]) => Promise<boolean>) {
    this.peer = new GatherPeer(PREFIX, channel, async (q) => {
      // From a sibling process: still checked as any input is; the writer reads the hashes from storage itself.
      const versions = parseVersions(q);
      return versions === undefined ? false : append(versions);
    });
  }

  /** Whether the writer committed them; false (never a rejection) when no worker did in time. */
  async submit(versions: readonly SubmittedVersion[]): Promise<boolean> {
    try {
      return (await this.peer.ask(versions.map((v) => [v.modulePath, v.version]))) === true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.peer.close();
  }
}

export function parseVersions(q: unknown): SubmittedVersion[] | undefined {
  if (!Array.isArray(q) || q.length === 0 || q.length > MAX_VERSIONS) return undefined;
  const out: SubmittedVersion[] = [];
  for (const pair of q as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2) return undefined;
    const [modulePath, version] = pair as unknown[];
    if (typeof modulePath !== 'string' || typeof version !== 'string' || check(modulePath, version) !== undefined) return undefined;
    out.push({ modulePath, version });
  }
  return out;
}
