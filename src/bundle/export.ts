// `bundle export`, whole: collect (fill what is missing, gather and check the proofs), then stream the
// bundle. Nothing is written under the output's name unless every version and every proof was had.
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ModuleVersion } from '../content/content-keys.js';
import type { Item, Progress } from '../content/progress.js';
import type { ProxyAccess } from '../content/proxy-access.js';
import { collect } from './export-collect.js';
import type { ExportDb } from './export-collect.js';
import { writeBundle } from './export-write.js';
import type { Manifest } from './manifest.js';

export interface ExportOptions {
  readonly concurrency: number;
  readonly progress: Progress;
  readonly signal?: AbortSignal;
}

export type ExportResult =
  | { readonly manifest: Manifest; readonly failed: readonly Item[] }
  | { readonly manifest?: undefined; readonly failed: readonly Item[] };

export async function exportBundle(
  access: ProxyAccess,
  targets: readonly ModuleVersion[],
  dbs: readonly ExportDb[],
  out: string,
  opts: ExportOptions,
): Promise<ExportResult> {
  // Temp files next to the output: the same file system, so the disk that holds the bundle holds them.
  const tmp = await mkdtemp(path.join(path.dirname(out), '.gomodproxy-bundle-'));
  let n = 0;
  const tempFile = () => path.join(tmp, `zip-${n++}`);
  try {
    const c = await collect(access, targets, dbs, { concurrency: opts.concurrency, signal: opts.signal, tempFile });
    if (c.failed.length > 0 || opts.signal?.aborted === true) return { failed: c.failed };
    const manifest = await writeBundle(access, c, out, { source: access.name, progress: opts.progress, tempFile, signal: opts.signal });
    return { manifest, failed: [] };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
