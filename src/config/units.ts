// Human units in configuration: durations ("250ms", "30s", "5m", "1h"; a number alone only for 0, as in Go's
// time.ParseDuration: `connectTimeout: 5` meant as seconds must not become 5 ms) and sizes ("64MiB", "1GB", or
// bytes as a number), or a percent ("5%") where a setting takes either.

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const SIZE = /^(\d+(?:\.\d+)?)\s*(B|KB|MB|GB|KiB|MiB|GiB)?$/;
const SIZE_BYTES: Record<string, number> = { B: 1, KB: 1e3, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3 };

/** Milliseconds, or undefined when the text is not a duration. */
export function parseDuration(v: unknown): number | undefined {
  if (typeof v === 'number') return v === 0 ? 0 : undefined;
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  if (/^0+$/.test(t)) return 0;
  const m = DURATION.exec(t);
  if (m === null) return undefined;
  return Math.round(Number(m[1]) * (DURATION_MS[m[2] as string] as number));
}

export function parseSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  if (typeof v !== 'string') return undefined;
  const m = SIZE.exec(v.trim());
  if (m === null) return undefined;
  return Math.floor(Number(m[1]) * (SIZE_BYTES[m[2] ?? 'B'] as number));
}

/** A size, or a share of something (a file system) in percent, below 100. */
export type SizeOrPercent = { readonly bytes: number } | { readonly percent: number };

const PERCENT = /^(\d+(?:\.\d+)?)\s*%$/;

export function parseSizeOrPercent(v: unknown): SizeOrPercent | undefined {
  if (v === 'off') return { bytes: 0 };
  const m = typeof v === 'string' ? PERCENT.exec(v.trim()) : null;
  if (m !== null) {
    const percent = Number(m[1]);
    return percent < 100 ? { percent } : undefined;
  }
  const bytes = parseSize(v);
  return bytes === undefined ? undefined : { bytes };
}

export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A token's lifetime: `90d`, or any positive duration above ("12h", "30m"); undefined otherwise. */
export function parseLifetime(text: string): number | undefined {
  const days = /^(\d+)d$/.exec(text.trim());
  const ms = days !== null ? Number(days[1]) * 86_400_000 : parseDuration(text);
  return ms === undefined || ms <= 0 ? undefined : ms;
}
