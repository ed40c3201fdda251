// Read-ahead across the workers of `serve --workers N`. Each worker remembers the go.mod files its own clients
// read (cache/next-asks.ts), but one go command's connections land on any worker. So when a worker sees a
// client turn to downloads, it tells the primary, which tells every worker to fill ahead what its own share
// predicts: one message per go command, none per request.
import type { Download } from '../cache/next-asks.js';
import type { Channel } from '../coord/ipc.js';
import { GatherHub, GatherPeer } from './cluster-gather.js';

const PREFIX = 'gmp-ahead';

/** Primary side: add every worker's channel. */
export class ReadAheadHub {
  private readonly hub: GatherHub = new GatherHub(PREFIX, async (q) => (await this.hub.gather(q)).size);

  add(id: string, channel: Channel): () => void {
    return this.hub.add(id, channel);
  }
}

/**
 * Worker side: `downloads` runs when another worker saw a client turn to downloads (on this one too: a no-op
 * then), with what the client asked for: an exact .info (`go mod download`, `go list -m all`) or a zip.
 */
export class WorkerReadAhead {
  private readonly peer: GatherPeer;

  constructor(channel: Channel, downloads: (kind: Download) => void) {
    this.peer = new GatherPeer(PREFIX, channel, async (q) => {
      if (q === 'info' || q === 'zip') downloads(q);
      return null;
    });
  }

  /** Tells every worker; never fails (without the primary, each worker still fills ahead its own share). */
  tell(kind: Download): void {
    this.peer.ask(kind).catch(() => undefined);
  }

  close(): void {
    this.peer.close();
  }
}
