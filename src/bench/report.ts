// Bench output: a ranked table for the terminal, the same in Markdown, and JSON; then the details
// (failures, freshness gaps, altered files, checksum database) and the recommended GOPROXY.
import { redactURL } from '../protocol/proxy-list.js';
import { failureSummary } from './analyze.js';
import type { Analysis, EndpointStats } from './analyze.js';
import type { Recommendation } from './recommend.js';

export interface BenchReport {
  readonly startedAt: string;
  readonly durationMs: number;
  /** Why the run ended early, when it did. */
  readonly partial?: 'interrupted' | 'duration cap';
  readonly modules: number;
  readonly sumdb?: { readonly name: string; readonly base?: string; readonly records: number; readonly unknown: number; readonly error?: string };
  readonly analysis: Analysis;
  readonly recommendation: Recommendation;
}

const HEAD = ['#', 'Endpoint', 'Status', 'Requests', 'Failed', 'p50', 'p95', 'p99', 'TTFB p50', 'Connect p50', 'Zip MB/s', 'Missing', 'Altered'];

const ms = (v?: number) => (v === undefined ? '-' : v < 10 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`);

function row(e: EndpointStats, i: number): string[] {
  return [
    String(i + 1),
    redactURL(e.url),
    e.status,
    String(e.requests),
    e.requests === 0 ? '-' : `${e.failed} (${Math.round((100 * e.failed) / e.requests)}%)`,
    ms(e.total?.p50),
    ms(e.total?.p95),
    ms(e.total?.p99),
    ms(e.ttfb?.p50),
    ms(e.connect?.p50),
    e.zipMBps === undefined ? '-' : e.zipMBps >= 10 ? e.zipMBps.toFixed(0) : e.zipMBps.toPrecision(2),
    String(e.missingCount),
    String(e.mismatches.length),
  ];
}

function alignTable(rows: string[][]): string {
  const widths = rows[0]?.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, c) => cell.padEnd(widths[c] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function details(r: BenchReport): string[] {
  const out: string[] = [];
  for (const e of r.analysis.endpoints) {
    const name = redactURL(e.url);
    if (e.failed > 0) out.push(`${name}: failures ${failureSummary(e.failures)}; e.g. ${e.failureExamples.join('; ')}`);
    if (e.missingCount > 0) {
      const gaps = e.missing
        .slice(0, 5)
        .map((m) => `${m.module} ${m.versions.slice(-3).join(' ')}`)
        .join('; ');
      out.push(`${name}: lacks ${e.missingCount} version(s) that other endpoints list: ${gaps}`);
    }
    for (const m of e.mismatches.slice(0, 5)) {
      out.push(`${name}: ALTERED ${m.module}@${m.version} ${m.file === 'mod' ? '.mod' : '.zip'} is ${m.got}, the ${m.source} says ${m.want}`);
    }
  }
  for (const c of r.analysis.conflicts) out.push(`endpoints disagree and nothing decides between them: ${c}`);
  const a = r.analysis.checkedAgainst;
  const db = r.sumdb;
  const dbLine =
    db === undefined
      ? 'checksum database: not consulted (--sumdb off)'
      : db.error !== undefined
        ? `checksum database: ${db.error}; hashes were compared across endpoints only`
        : `checksum database ${db.name} via ${redactURL(db.base ?? '')}: ${db.records} record(s), signed tree note verified (inclusion proofs not checked)${db.unknown > 0 ? `, ${db.unknown} unknown to it` : ''}`;
  out.push(dbLine, `hashes checked: ${a['checksum database']} against the checksum database, ${a['go.sum']} against go.sum, ${a.majority} across endpoints`);
  return out;
}

function header(r: BenchReport): string {
  const partial = r.partial === undefined ? '' : ` (PARTIAL: ${r.partial})`;
  return `gomodproxy bench: ${r.analysis.endpoints.length} endpoint(s), ${r.modules} module version(s), ${(r.durationMs / 1000).toFixed(1)} s${partial}`;
}

export function renderText(r: BenchReport): string {
  const table = alignTable([HEAD, ...r.analysis.endpoints.map(row)]);
  const rec = r.recommendation;
  return [
    header(r),
    '',
    table,
    '',
    ...details(r),
    '',
    `Recommended: go env -w GOPROXY=${rec.goproxy.includes('|') ? `'${rec.goproxy}'` : rec.goproxy}`,
    ...rec.reasons.map((x) => `  - ${x}`),
    '',
  ].join('\n');
}

export function renderMarkdown(r: BenchReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const rows = r.analysis.endpoints.map((e, i) => `| ${row(e, i).map(esc).join(' | ')} |`);
  return [
    `### ${header(r)}`,
    '',
    `| ${HEAD.join(' | ')} |`,
    `|${HEAD.map(() => '---').join('|')}|`,
    ...rows,
    '',
    ...details(r).map((d) => `- ${d}`),
    '',
    '**Recommended**',
    '',
    '```sh',
    `go env -w GOPROXY='${r.recommendation.goproxy}'`,
    '```',
    '',
    ...r.recommendation.reasons.map((x) => `- ${x}`),
    '',
  ].join('\n');
}

/** JSON without the raw latency lists (the chart has those). */
export function renderJSON(r: BenchReport): string {
  const endpoints = r.analysis.endpoints.map(({ latencies: _l, ...e }, i) => ({ rank: i + 1, ...e, url: redactURL(e.url) }));
  return `${JSON.stringify({ ...r, analysis: { ...r.analysis, endpoints } }, null, 2)}\n`;
}
