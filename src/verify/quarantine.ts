// Bytes that failed checksum verification, kept for inspection outside the cache (never served), in their
// own store: <escaped module, '/' flattened to '_'>@<version>.<kind>.<timestamp>.
import { escapePath, escapeVersion } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';

export class Quarantine {
  constructor(private readonly store: BlobStore) {}

  private key(modulePath: string, version: string, kind: string): string {
    return `${escapePath(modulePath).replaceAll('/', '_')}@${escapeVersion(version)}.${kind}.${Date.now()}`;
  }

  /** Keeps a small artifact; returns where. */
  async keep(modulePath: string, version: string, kind: string, body: Buffer): Promise<string> {
    const key = this.key(modulePath, version, kind);
    await this.store.put(key, body);
    return `${this.store.name}/${key}`;
  }

  /** Keeps a scratch file (the store takes it); returns where. */
  async keepFile(modulePath: string, version: string, kind: string, file: string): Promise<string> {
    const key = this.key(modulePath, version, kind);
    await this.store.putFile(key, file);
    return `${this.store.name}/${key}`;
  }
}
