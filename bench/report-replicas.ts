// The replicas suite's section of the report: warm throughput through nginx for 1 and 3 replicas, the herd
// across replicas, cold downloads through each cluster, and what nginx logged about failed answers.
import { CLUSTER_SIZES } from './replicas.js';
import type { ReplicasResult } from './replicas.js';
import { clusterName } from './replica-cluster.js';
import { fmtMB, int, ms, ratio, secs } from './util.js';

function warmTable(r: ReplicasResult): string[] {
  const names = CLUSTER_SIZES.map(clusterName);
  const lines = [
    `| endpoint | conns | ${names.map((n) => `${n}: req/s (MB/s)`).join(' | ')} | ${names.map((n) => `${n}: p50 / p99 ms`).join(' | ')} | ${names.map((n) => `${n}: CPU µs/req replicas + nginx`).join(' | ')} |`,
    `|---|---:|${names.map(() => '---:|---:|---:|').join('')}`,
  ];
  const seen = new Set<string>();
  for (const w of r.warm) {
    const k = `${w.target}|${w.connections}`;
    if (seen.has(k)) continue;
    seen.add(k);
    const rows = names.map((n) => r.warm.find((x) => x.cluster === n && x.target === w.target && x.connections === w.connections));
    const rate = rows.map((x) => (x === undefined ? '' : `${int(x.reqPerSec)}${w.target.startsWith('zip') ? ` (${int(x.mbPerSec)})` : ''}`));
    const lat = rows.map((x) => (x === undefined ? '' : `${ms(x.p50ms)} / ${ms(x.p99ms)}`));
    const cpu = rows.map((x) => (x === undefined ? '' : `${int(x.replicaCpuUs)} + ${int(x.nginxCpuUs)}`));
    lines.push(`| ${w.target} | ${w.connections} | ${rate.join(' | ')} | ${lat.join(' | ')} | ${cpu.join(' | ')} |`);
  }
  return lines;
}

function notes(r: ReplicasResult): string[] {
  const out: string[] = [];
  for (const w of r.warm) {
    if (w.errors > 0) out.push(`- ${w.cluster}, ${w.target} at ${w.connections} conns: ${int(w.errors)} socket errors or non-2xx answers`);
    if (w.upstreamRequests > 0) out.push(`- ${w.cluster}, ${w.target} at ${w.connections} conns: ${int(w.upstreamRequests)} upstream requests while measured`);
  }
  for (const n of r.nginx) {
    if (n.errors.length > 0) out.push(`- nginx in front of ${n.cluster} logged ${n.errors.length} error line(s), e.g.: \`${n.errors[0]}\``);
    if (n.failed.length > 0)
      out.push(`- nginx in front of ${n.cluster} answered ${n.failed.length} request(s) other than 200 (or 499), e.g.: \`${n.failed[0]}\``);
    if (n.clientClosed > 0)
      out.push(`- nginx in front of ${n.cluster} logged ${n.clientClosed} 499s: wrk closing connections in the middle of answers when a run ends`);
  }
  return out.length > 0 ? out : ['- No errors, no answer other than 200, nothing in the nginx error logs; no upstream request while a warm cell was measured.'];
}

export function replicasSection(r: ReplicasResult): string {
  const herd = [
    '| cluster | requests | 200 (complete) | other answers | upstream fetches | last byte | median request | 200s per replica |',
    '|---|---:|---:|---|---:|---:|---:|---|',
    ...r.herd.map((h) => {
      const other = Object.entries(h.otherStatuses).map(([s, n]) => `${n}× ${s}`);
      return `| ${h.cluster} | ${h.requests} × ${fmtMB(h.zipBytes)} | ${h.ok} (${h.complete}) | ${other.join(', ') || 'none'} | ${h.upstreamFetches} | ${secs(h.lastByteSeconds)} | ${secs(h.medianSeconds)} | ${h.servedPerReplica.join(' / ')} |`;
    }),
  ];
  const cold = r.cold;
  const coldLines =
    cold === undefined
      ? ['The cold part did not run (see the log).']
      : [
          `\`go mod download\` of ${cold.modules} modules (${cold.versions} versions) in a fresh module cache, through a fresh cluster (new bucket prefix, empty disks) each round; medians of ${cold.runs.length} rounds.`,
          '',
          '| variant | median | vs go straight at the upstream | upstream requests per run | rounds |',
          '|---|---:|---:|---:|---|',
          ...cold.variants.map((v) => {
            const vs = ratio((cold.seconds[v] as number) / (cold.seconds.direct as number));
            const rounds = cold.runs.map((x) => x[v]?.toFixed(2) ?? '–').join(', ');
            return `| ${v === 'direct' ? 'go straight at the upstream' : `${v} behind nginx`} | ${secs(cold.seconds[v])} | ${vs} | ${int(cold.upstreamRequests[v])} | ${rounds} |`;
          }),
        ];
  return [
    'Replicas with the command line of deploy/gomodproxy@.service (`--workers 1`, `--sumdb off`), on one S3 bucket (OpenStack Swift from .ci/services/s3.sh) and one PostgreSQL (.ci/services/postgres.sh), behind nginx with deploy/nginx.conf (1 worker); every process on the same machine as wrk.',
    '',
    '### Warm hits through nginx',
    '',
    ...warmTable(r),
    '',
    ...notes(r),
    '',
    '### Herd across the replicas (one uncached zip)',
    '',
    ...herd,
    '',
    '### Cold downloads',
    '',
    ...coldLines,
  ].join('\n');
}
