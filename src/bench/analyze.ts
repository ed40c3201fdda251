// Turns raw bench samples into per-endpoint figures: latency percentiles, failures by kind, zip throughput,
// freshness (versions others list and this one lacks) and correctness (h1 against the database, go.sum or the majority).
import { compare } from '../protocol/semver.js';
import { FAILURE_KINDS } from './client.js';
import type { FailureKind } from './client.js';
import type { EndpointResult } from './runner.js';
import type { SumdbOutcome } from './sumdb-check.js';
import type { ModuleVersion } from '../protocol/module-lists.js';

export interface Percentiles {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
}

export type Source = 'checksum database' | 'go.sum' | 'majority';

export interface Mismatch {
  readonly module: string;
  readonly version: string;
  readonly file: 'zip' | 'mod';
  readonly got: string;
  readonly want: string;
  readonly source: Source;
}

/** A hash on which endpoints disagree with no database, go.sum or majority to say who is right. */
export interface Dispute {
  readonly module: string;
  readonly version: string;
  readonly file: 'zip' | 'mod';
  readonly got: string;
  /** The other endpoints in the comparison. */
  readonly others: readonly string[];
}

/** `conflict`: served bytes that others contradict, and nothing tells which side is right. */
export type Status = 'ok' | 'stale' | 'degraded' | 'failing' | 'down' | 'conflict' | 'altered';
export const STATUS_ORDER: readonly Status[] = ['ok', 'stale', 'degraded', 'failing', 'down', 'conflict', 'altered'];

export interface EndpointStats {
  readonly url: string;
  readonly status: Status;
  readonly requests: number;
  readonly failed: number;
  readonly failures: Readonly<Partial<Record<FailureKind, number>>>;
  readonly failureExamples: readonly string[];
  readonly connect?: Percentiles;
  readonly ttfb?: Percentiles;
  readonly total?: Percentiles;
  /** Successful zip bytes over the time spent getting them, in MB/s. */
  readonly zipMBps?: number;
  readonly missing: ReadonlyArray<{ readonly module: string; readonly versions: readonly string[] }>;
  readonly missingCount: number;
  readonly mismatches: readonly Mismatch[];
  readonly disputes: readonly Dispute[];
  /** Every successful request's total time, for charts. */
  readonly latencies: readonly number[];
}

export interface Analysis {
  /** Best first. */
  readonly endpoints: readonly EndpointStats[];
  /** Hashes on which endpoints disagree with no majority and no other reference. */
  readonly conflicts: readonly string[];
  /** How many module-version hashes were checked against each kind of reference. */
  readonly checkedAgainst: Readonly<Record<Source, number>>;
}

/** Nearest-rank percentiles; undefined for no data. */
export function percentiles(values: readonly number[]): Percentiles | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const at = (p: number) => s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99) };
}

export function analyze(results: readonly EndpointResult[], workload: readonly ModuleVersion[], sumdb?: SumdbOutcome): Analysis {
  const { mismatches, disputes, conflicts, checkedAgainst } = compareHashes(results, workload, sumdb);
  const missing = freshness(results);
  const stats = results.map((r) => endpointStats(r, missing.get(r.url) ?? [], mismatches.get(r.url) ?? [], disputes.get(r.url) ?? []));
  stats.sort(
    (a, b) =>
      STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) ||
      (a.total?.p50 ?? Infinity) - (b.total?.p50 ?? Infinity) ||
      (a.total?.p95 ?? Infinity) - (b.total?.p95 ?? Infinity),
  );
  return { endpoints: stats, conflicts, checkedAgainst };
}

function endpointStats(r: EndpointResult, missing: EndpointStats['missing'], mismatches: readonly Mismatch[], disputes: readonly Dispute[]): EndpointStats {
  const ok = r.samples.filter((s) => s.ok);
  const failures: Partial<Record<FailureKind, number>> = {};
  for (const s of r.samples) if (s.failure) failures[s.failure] = (failures[s.failure] ?? 0) + 1;
  const failed = r.samples.length - ok.length;
  const zips = ok.filter((s) => s.kind === 'zip');
  const zipMs = zips.reduce((a, s) => a + s.totalMs, 0);
  const missingCount = missing.reduce((a, m) => a + m.versions.length, 0);
  const rate = r.samples.length === 0 ? 0 : failed / r.samples.length;
  const status: Status =
    mismatches.length > 0
      ? 'altered'
      : disputes.length > 0
        ? 'conflict'
        : ok.length === 0
          ? 'down'
          : rate > 0.2
            ? 'failing'
            : rate > 0.02
              ? 'degraded'
              : missingCount > 0
                ? 'stale'
                : 'ok';
  return {
    url: r.url,
    status,
    requests: r.samples.length,
    failed,
    failures,
    failureExamples: [...new Set(r.samples.filter((s) => !s.ok).map((s) => `${s.kind} ${s.module}@${s.version}: ${s.detail ?? s.failure}`))].slice(0, 3),
    connect: percentiles(r.connectMs),
    ttfb: percentiles(ok.map((s) => s.ttfbMs)),
    total: percentiles(ok.map((s) => s.totalMs)),
    zipMBps: zipMs > 0 ? zips.reduce((a, s) => a + s.bytes, 0) / 1e6 / (zipMs / 1000) : undefined,
    missing,
    missingCount,
    mismatches,
    disputes,
    latencies: ok.map((s) => s.totalMs),
  };
}

/** For each endpoint, the versions other endpoints list for a module and it does not (only where its list answered). */
function freshness(results: readonly EndpointResult[]): Map<string, Array<{ module: string; versions: string[] }>> {
  const union = new Map<string, Set<string>>();
  for (const r of results) {
    for (const [m, vs] of r.lists) {
      const set = union.get(m) ?? union.set(m, new Set()).get(m);
      for (const v of vs) set?.add(v);
    }
  }
  const out = new Map<string, Array<{ module: string; versions: string[] }>>();
  for (const r of results) {
    const gaps: Array<{ module: string; versions: string[] }> = [];
    for (const [m, own] of r.lists) {
      const lacking = [...(union.get(m) ?? [])].filter((v) => !own.includes(v)).sort(compare);
      if (lacking.length > 0) gaps.push({ module: m, versions: lacking });
    }
    out.set(r.url, gaps);
  }
  return out;
}

function compareHashes(results: readonly EndpointResult[], workload: readonly ModuleVersion[], sumdb?: SumdbOutcome) {
  const mismatches = new Map<string, Mismatch[]>();
  const disputes = new Map<string, Dispute[]>();
  const conflicts: string[] = [];
  const checkedAgainst: Record<Source, number> = { 'checksum database': 0, 'go.sum': 0, majority: 0 };
  for (const m of workload) {
    const key = `${m.path}@${m.version}`;
    for (const file of ['zip', 'mod'] as const) {
      const got = results.flatMap((r) => {
        const h = r.hashes.get(key)?.[file];
        return h === undefined ? [] : [{ url: r.url, h }];
      });
      if (got.length === 0) continue;
      const ref = reference(
        got.map((g) => g.h),
        sumdb?.records.get(key)?.[file],
        m.sums?.[file],
      );
      if (ref === undefined) {
        // Every side is suspect: each is named, and none may be recommended.
        conflicts.push(`${key} ${file}: ${got.map((g) => `${g.url} ${g.h}`).join(', ')}`);
        for (const g of got) {
          const others = got.filter((o) => o.url !== g.url).map((o) => o.url);
          push(disputes, g.url, { module: m.path, version: m.version, file, got: g.h, others });
        }
        continue;
      }
      checkedAgainst[ref.source]++;
      for (const g of got) {
        if (g.h !== ref.want) push(mismatches, g.url, { module: m.path, version: m.version, file, got: g.h, want: ref.want, source: ref.source });
      }
    }
  }
  return { mismatches, disputes, conflicts, checkedAgainst };
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** The database wins, then go.sum, then a strict majority; with only disagreeing endpoints there is no reference. */
function reference(hashes: readonly string[], db?: string, sum?: string): { want: string; source: Source } | undefined {
  if (db !== undefined) return { want: db, source: 'checksum database' };
  if (sum !== undefined) return { want: sum, source: 'go.sum' };
  const counts = new Map<string, number>();
  for (const h of hashes) counts.set(h, (counts.get(h) ?? 0) + 1);
  if (counts.size === 1) return { want: hashes[0] ?? '', source: 'majority' };
  const [best, n] = [...counts].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
  return n > hashes.length / 2 ? { want: best, source: 'majority' } : undefined;
}

export function failureSummary(f: EndpointStats['failures']): string {
  return (
    FAILURE_KINDS.filter((k) => f[k])
      .map((k) => `${k}×${f[k]}`)
      .join(' ') || '-'
  );
}
