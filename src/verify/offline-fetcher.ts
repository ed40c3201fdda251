// The checksum-database fetcher of offline mode (`--upstream off`): it never opens a connection, so
// verification and the relay answer only from what is stored (imported bundles, earlier proofs).
import { gmpError } from '../errors.js';
import { parseProxyList } from '../protocol/proxy-list.js';
import type { RawFetcher, RawResponse } from '../upstream/source.js';

export class OfflineFetcher implements RawFetcher {
  readonly name: string;

  constructor(url: string) {
    this.name = `${url} (offline)`;
  }

  async fetch<T>(relPath: string, _endpoint: string, _read: (res: RawResponse) => Promise<T>): Promise<T> {
    throw gmpError('GMP_ERR_UPSTREAM_OFF', `not stored, and fetching is off (--upstream off): checksum database ${relPath}`);
  }
}

/** Offline mode: the upstream list starts with `off`, so nothing is fetched from any network. */
export const isOffline = (upstream: string): boolean => parseProxyList(upstream)[0]?.kind === 'off';
