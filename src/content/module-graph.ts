// The requirement graph of a go.mod or go.work: every module version reachable through the `.mod` files
// (the go command reads a subset of these with graph pruning, never more), and the versions minimal version
// selection picks, whose zips a build needs.
import { parseGoModRequires } from '../protocol/module-lists.js';
import { compare } from '../protocol/semver.js';
import type { ModuleVersion } from './content-keys.js';
import { eachLimited } from './pool.js';
import { failure } from './proxy-access.js';

export interface Graph {
  /** Every version reached (its .mod was read). */
  readonly all: ModuleVersion[];
  /** The highest version of each module path: the build list (less those whose .mod failed, which are in `failed`). */
  readonly selected: ModuleVersion[];
  /** Versions whose .mod could not be read or parsed. */
  readonly failed: ReadonlyArray<ModuleVersion & ReturnType<typeof failure>>;
}

export async function requirementGraph(
  roots: readonly ModuleVersion[],
  readMod: (m: ModuleVersion) => Promise<Buffer | undefined>,
  opts: { readonly concurrency: number; readonly signal?: AbortSignal },
): Promise<Graph> {
  const seen = new Map<string, ModuleVersion>();
  const failed: Array<Graph['failed'][number]> = [];
  let frontier = roots.filter((m) => !seen.has(key(m)) && seen.set(key(m), m) !== undefined);
  while (frontier.length > 0 && opts.signal?.aborted !== true) {
    const next: ModuleVersion[] = [];
    await eachLimited(
      frontier,
      opts.concurrency,
      async (m) => {
        try {
          const mod = await readMod(m);
          if (mod === undefined) throw new Error('go.mod not found');
          for (const r of parseGoModRequires(mod.toString('utf8'), `${m.path}@${m.version} go.mod`)) {
            if (seen.has(key(r))) continue;
            seen.set(key(r), r);
            next.push(r);
          }
        } catch (err) {
          if ((err as Error).name === 'AbortError') throw err;
          failed.push({ ...m, ...failure(err) });
        }
      },
      opts.signal,
    );
    frontier = next;
  }
  const best = new Map<string, ModuleVersion>();
  for (const m of seen.values()) {
    const cur = best.get(m.path);
    if (cur === undefined || compare(m.version, cur.version) > 0) best.set(m.path, m);
  }
  // A version whose .mod failed is reported once, in `failed`, not also as reached: warm counted and tried it twice.
  // It still takes part in the selection (a build needs it, not a lower version of its module).
  const unread = new Set(failed.map(key));
  const read = (m: ModuleVersion): boolean => !unread.has(key(m));
  return { all: [...seen.values()].filter(read), selected: [...best.values()].filter(read), failed };
}

const key = (m: ModuleVersion): string => `${m.path}@${m.version}`;
