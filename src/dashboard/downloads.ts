// Zip downloads per module version since the process started: one map update per served zip, the only
// bookkeeping the dashboard adds to the hit path. Bounded, so a scan of many versions cannot grow it forever.

/** Versions tracked at most (about 100 bytes each); later new versions are not counted, known ones still are. */
export const MAX_TRACKED_VERSIONS = 200_000;

export class DownloadCounts {
  private readonly byModule = new Map<string, Map<string, number>>();
  private tracked = 0;

  constructor(private readonly max = MAX_TRACKED_VERSIONS) {}

  count(modulePath: string, version: string): void {
    let versions = this.byModule.get(modulePath);
    if (versions === undefined) {
      if (this.tracked >= this.max) return;
      this.byModule.set(modulePath, (versions = new Map()));
    }
    const n = versions.get(version);
    if (n !== undefined) versions.set(version, n + 1);
    else if (this.tracked < this.max) {
      versions.set(version, 1);
      this.tracked++;
    }
  }

  of(modulePath: string): Record<string, number> {
    return Object.fromEntries(this.byModule.get(modulePath) ?? []);
  }

  /** A purged version starts again from zero. */
  forget(modulePath: string, version: string): void {
    if (this.byModule.get(modulePath)?.delete(version)) this.tracked--;
  }
}

/** Sums per-version counts from several processes. */
export function addCounts(parts: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const p of parts) for (const [v, n] of Object.entries(p)) out[v] = (out[v] ?? 0) + n;
  return out;
}
