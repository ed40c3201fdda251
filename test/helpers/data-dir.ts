// What a data directory holds, for tests that must prove a failed fill left nothing behind: the files under
// cache/ (module content) and the files in every scratch area under tmp/ (partial fills).
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { dataPaths } from '../../src/storage/data-dirs.js';

async function walk(dir: string, base: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (e.isFile()) out.push(path.relative(base, path.join(e.parentPath, e.name)));
  }
  return out.sort();
}

/** Files under cache/ (relative to the data directory). */
export function cacheFiles(dataDir: string): Promise<string[]> {
  return walk(dataPaths(dataDir).cache, dataDir);
}

/** Files in scratch areas under tmp/ (relative to the data directory); empty areas count as nothing. */
export function scratchFiles(dataDir: string): Promise<string[]> {
  return walk(dataPaths(dataDir).tmp, dataDir);
}

/** Anything an atomic write left behind anywhere in the data directory (`*.tmp-*`). */
export async function atomicLeftovers(dataDir: string): Promise<string[]> {
  return (await walk(dataDir, dataDir)).filter((f) => /\.tmp-/.test(path.basename(f)));
}
