// Bytes that failed checksum verification, kept for inspection outside the cache (never served):
// <data>/quarantine/<escaped module>@<version>.<kind>.<timestamp>.
import { copyFile, mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { escapePath, escapeVersion } from '../protocol/escape.js';

export class Quarantine {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(path.resolve(dataDir), 'quarantine');
  }

  private async target(modulePath: string, version: string, kind: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    // Escaped module paths contain '/', flattened so every file sits directly in the quarantine folder.
    const name = `${escapePath(modulePath).replaceAll('/', '_')}@${escapeVersion(version)}.${kind}.${Date.now()}`;
    return path.join(this.dir, name);
  }

  /** Keeps a small artifact; returns where. */
  async keep(modulePath: string, version: string, kind: string, body: Buffer): Promise<string> {
    const file = await this.target(modulePath, version, kind);
    await writeFile(file, body);
    return file;
  }

  /** Moves a staged temp file into quarantine (copying when it sits on another filesystem); returns where. */
  async move(modulePath: string, version: string, kind: string, from: string): Promise<string> {
    const file = await this.target(modulePath, version, kind);
    try {
      await rename(from, file);
    } catch {
      await copyFile(from, file);
      await unlink(from).catch(() => undefined);
    }
    return file;
  }
}
