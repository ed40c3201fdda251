// Bytes that failed checksum verification, kept for inspection outside the cache (never served), in their
// own store: <escaped module, '/' flattened to '_'>@<version>.<kind>.<16 hex digits of their h1: hash>.
import { escapePath, escapeVersion } from '../protocol/escape.js';
import type { BlobStore } from '../storage/blob-store.js';

export class Quarantine {
  constructor(private readonly store: BlobStore) {}

  /**
   * Named by content: an upstream that keeps serving the same bad bytes (every retry of a CI job refused
   * again) is kept once, not once per request until the disk is full; other bad bytes get a name of their own.
   */
  private key(modulePath: string, version: string, kind: string, h1: string): string {
    const digest = Buffer.from(h1.replace(/^h1:/, ''), 'base64').toString('hex').slice(0, 16).padEnd(16, '0');
    return `${escapePath(modulePath).replaceAll('/', '_')}@${escapeVersion(version)}.${kind}.${digest}`;
  }

  /** Keeps a small artifact whose hash is h1; returns where. */
  async keep(modulePath: string, version: string, kind: string, h1: string, body: Buffer): Promise<string> {
    const key = this.key(modulePath, version, kind, h1);
    await this.store.put(key, body);
    return `${this.store.name}/${key}`;
  }

  /** Keeps a scratch file whose hash is h1 (the store takes it); returns where. */
  async keepFile(modulePath: string, version: string, kind: string, h1: string, file: string): Promise<string> {
    const key = this.key(modulePath, version, kind, h1);
    await this.store.putFile(key, file);
    return `${this.store.name}/${key}`;
  }
}
