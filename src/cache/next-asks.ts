// What the go command asks next, guessed from what it asked so far, for read-ahead (read-ahead.ts).
//
// Loading a module graph, the go command reads the go.mod of each requirement of the main module, GOMAXPROCS
// requests at a time, and goes further only below a go.mod without graph pruning (a go directive before 1.17,
// or none): from there it reads every go.mod reachable (modload's readModGraph). So the requirements of such a
// go.mod, and theirs in turn, are the go.mod files a client asks for next; a pruned go.mod's are not. Then it
// turns to the versions minimal version selection picked (the newest version of each module whose go.mod it
// read): `go mod download` asks for each one's .info, one at a time, then for the zips; `go list -m all` asks
// for the .info files and never for a zip; a build asks for the zips. So when a client first asks for an exact
// version's .info, the .info files of the newest versions whose go.mod clients read in the last minute are what
// follows; when it first asks for a zip, their zips. An .info alone never predicts a zip: `go list -m all`
// would otherwise fetch every zip of the graph from the upstream.
//
// Pure bookkeeping, bounded, and it never throws: a go.mod that does not parse only predicts nothing.
import { parseGoDirective, compareGoLang } from '../modzip/go-directive.js';
import { parseGoModRequires } from '../protocol/module-lists.js';
import type { ModuleVersion } from '../protocol/module-lists.js';
import { compare } from '../protocol/semver.js';

/** How long a go.mod a client read counts towards the downloads that follow. */
export const DOWNLOAD_WINDOW_MS = 60_000;
/** At most this many modules remembered between two download asks; more are not predicted. */
const MAX_MODULES = 10_000;
/** At most this many go.mod files expected to be read in full; past it the set starts over. */
const MAX_UNPRUNED = 10_000;

/** What a client downloads: a version's .info or its zip. */
export type Download = 'info' | 'zip';

export class NextAsks {
  /** Per download, the newest version of each module whose go.mod a client read since that download's last ask, and when. */
  private readonly newest: Record<Download, Map<string, { version: string; at: number }>> = { info: new Map(), zip: new Map() };
  /** `path@version` of go.mod files reached below an unpruned go.mod: the go command reads them and all below. */
  private readonly unpruned = new Set<string>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True when a client's read of this go.mod would predict anything (cheap; for hits held in memory). */
  expected(path: string, version: string): boolean {
    return this.unpruned.size > 0 && this.unpruned.has(`${path}@${version}`);
  }

  /** A client read a version's go.mod: the go.mod files it will ask for next (none below a pruned go.mod). */
  modRead(path: string, version: string, gomod: Buffer): ModuleVersion[] {
    for (const newest of Object.values(this.newest)) {
      const seen = newest.get(path);
      if (seen === undefined ? newest.size < MAX_MODULES : compare(version, seen.version) >= 0) newest.set(path, { version, at: this.now() });
    }
    const below = this.unpruned.size > 0 && this.unpruned.delete(`${path}@${version}`);
    try {
      const text = gomod.toString('utf8');
      if (!below && compareGoLang(parseGoDirective(text), '1.17') >= 0) return [];
      const requires = parseGoModRequires(text, `${path}@${version} go.mod`);
      if (this.unpruned.size + requires.length > MAX_UNPRUNED) this.unpruned.clear();
      for (const r of requires) this.unpruned.add(`${r.path}@${r.version}`);
      return requires;
    } catch {
      return [];
    }
  }

  /** True when a go.mod read since the last ask for this download is remembered. */
  pending(kind: Download): boolean {
    return this.newest[kind].size > 0;
  }

  /**
   * A client asked for an exact version's .info, or a zip: the versions whose .info, or zip, it will most likely
   * ask for next, the newest of each module whose go.mod clients read within the window. Each is predicted once
   * per kind.
   */
  downloadAsked(kind: Download): ModuleVersion[] {
    const newest = this.newest[kind];
    if (newest.size === 0) return [];
    const since = this.now() - DOWNLOAD_WINDOW_MS;
    const out: ModuleVersion[] = [];
    for (const [path, { version, at }] of newest) if (at >= since) out.push({ path, version });
    newest.clear();
    return out;
  }
}
