// Tests of the report's head: the side-by-side table shows what a run measured (no empty columns or rows),
// ratios are gomodproxy's against each contender of the same run, and targets are judged on the default variant.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ColdResult } from './cold.js';
import { lineup } from './contenders.js';
import { markdown } from './report.js';
import type { Results } from './report.js';
import type { WarmRow } from './warm.js';

const team = lineup(['nginx', 'goproxy', 'gomodproxy', 'fastify'], false, true);

const row = (contender: string, target: string, reqPerSec: number): WarmRow => ({
  target,
  connections: 64,
  contender,
  reqPerSec,
  mbPerSec: reqPerSec / 1000,
  p50ms: 1,
  p99ms: 2,
  errors: 0,
  cpuUsPerReq: 20,
  cpuUsPerMB: 200,
  upstreamRequests: 0,
  runs: [],
  cpuSeconds: [],
});

const base: Results = {
  date: '2026-01-01T00:00:00.000Z',
  quick: true,
  command: 'npm run bench -- --quick',
  entry: 'dist/',
  machine: { cpus: 2, cpuModel: 'test', memoryGB: 1, kernel: '6', node: 'v20', nginx: '1.22', wrk: '4.1', go: '1.19' },
  notes: [],
  contenders: team.contenders,
  primary: team.primary,
  workersFlag: false,
};

const warm = {
  rss: { nginx: 10 * 2 ** 20, goproxy: 20 * 2 ** 20, gomodproxy: 100 * 2 ** 20, fastify: 50 * 2 ** 20 },
  infoBytes: 50,
  rows: [
    row('nginx', '.info', 100_000),
    row('goproxy', '.info', 40_000),
    row('gomodproxy', '.info', 60_000),
    row('fastify', '.info', 50_000),
    row('nginx', 'zip 1MB', 6000),
    row('goproxy', 'zip 1MB', 5000),
    row('gomodproxy', 'zip 1MB', 5000),
  ],
};

const cold: ColdResult = {
  modules: 100,
  versions: 200,
  variants: [],
  runs: [
    {
      direct: 1,
      'direct-sumdb': 1,
      gomodproxy: 1.05,
      'gomodproxy-sumdb': 1.3,
      goproxy: 1.5,
      'direct-running': 1,
      'gomodproxy-running': 2,
      'goproxy-running': 1.5,
    },
    {
      direct: 2,
      'direct-sumdb': 2,
      gomodproxy: 2.4,
      'gomodproxy-sumdb': 2.6,
      goproxy: 3,
      'direct-running': 1,
      'gomodproxy-running': 1.8,
      'goproxy-running': 1.2,
    },
    {
      direct: 1,
      'direct-sumdb': 1,
      gomodproxy: 1.1,
      'gomodproxy-sumdb': 1.2,
      goproxy: 1.4,
      'direct-running': 2,
      'gomodproxy-running': 3,
      'goproxy-running': 2,
    },
  ],
  seconds: { direct: 1, 'direct-sumdb': 1, gomodproxy: 1.1, 'gomodproxy-sumdb': 1.3, goproxy: 1.5 },
};

test('the side-by-side table has one row per contender and only the columns this run measured', () => {
  const md = markdown({ ...base, warm });
  assert.match(md, /QUICK mode/);
  assert.match(
    md,
    /^\| contender \| warm `\.info` req\/s \| warm 1 MB zip req\/s \| CPU µs per `\.info` \| CPU µs per MB of zip \| RSS after the warm suite \|$/m,
  );
  assert.match(md, /^\| nginx on the files \/ go straight at the upstream \| 100,000 \| 6,000 \| 20 \| 200 \| 10\.0 MiB \|$/m);
  assert.match(md, /^\| bare Fastify route returning the same 50 bytes \| 50,000 \| – \| 20 \| – \| 50\.0 MiB \|$/m);
});

test('the cold targets name nginx only forwarding (the least any proxy adds) and a bare Node.js proxy, when they ran', () => {
  const runs = cold.runs.map((r, i) => ({
    ...r,
    'nginx-forward': [1.2, 2.2, 1.3][i] as number,
    'nginx-forward-running': [1.1, 1.3, 2.6][i] as number,
    'node-store': [2, 4, 2.5][i] as number,
    'node-store-running': [1.5, 1.5, 3][i] as number,
  }));
  const seconds = { ...cold.seconds, 'nginx-forward': 1.2, 'nginx-forward-running': 1.3, 'node-store': 2.5, 'node-store-running': 1.5 };
  const md = markdown({ ...base, warm, cold: { ...cold, runs, seconds } });
  // Per-round ratios to direct: nginx 1.2, 1.1, 1.3 and Node 2, 2, 2.5 on the first graph; nginx 1.1, 1.3, 1.3
  // and Node 1.5, 1.5, 1.5 on the second.
  assert.match(
    md,
    /^\| cold 100-module `go mod download` ≤ 1\.1× the time straight at the upstream \| 1\.10× \(goproxy: 1\.50×; nginx only forwarding: 1\.20×; a bare Node\.js proxy storing: 2\.00×\) \| met \|$/m,
  );
  assert.match(
    md,
    /process already running ≤ 1\.1× the time straight at the upstream \| 1\.80× \(goproxy: 1\.20×; nginx only forwarding: 1\.30×; a bare Node\.js proxy storing: 1\.50×\) \|/m,
  );
});

test('ratios are gomodproxy over each contender, and the targets of the issue are judged on them', () => {
  const md = markdown({ ...base, warm, cold });
  assert.match(md, /^\| gomodproxy \| warm `\.info` req\/s \(higher is better\) \| 0\.60× \| 1\.50× \| – \| 1\.20× \|$/m);
  // Cold ratios are medians of each round's own ratio (vs direct: 1.05, 1.2, 1.1; vs goproxy: 0.70, 0.80, 0.79).
  assert.match(md, /^\| gomodproxy \(defaults\) \| cold time \(lower is better\) \| 1\.10× \| 0\.79× \| – \| – \|$/m);
  assert.match(md, /^\| warm `\.info` req\/s ≥ 1\.2× goproxy \| 1\.50× \| met \|$/m);
  assert.match(md, /^\| warm `\.info` req\/s ≥ 0\.6× nginx \| 0\.60× \| met \|$/m);
  assert.match(md, /^\| warm 1 MB zip req\/s ≥ 1\.1× goproxy \| 1\.00× \| \*\*missed\*\* \|$/m);
  assert.match(md, /^\| cold 100-module `go mod download` ≤ 1\.1× the time straight at the upstream \| 1\.10× \(goproxy: 1\.50×\) \| met \|$/m);
  // The second graph through the running process is judged on its own rounds (vs direct: 2, 1.8, 1.5).
  assert.match(md, /^\| gomodproxy \(defaults\) \| cold time, process already running \| 1\.80× \| 1\.50× \| – \| – \|$/m);
  assert.match(
    md,
    /^\| cold 100-module `go mod download`, process already running ≤ 1\.1× the time straight at the upstream \| 1\.80× \(goproxy: 1\.20×\) \| \*\*missed\*\* \|$/m,
  );
});

test("the cold tables show each server's CPU per graph, and gomodproxy's against each peer's", () => {
  const gmp = { name: 'gomodproxy', id: 'gomodproxy', label: 'gomodproxy' } as const;
  const peer = { name: 'goproxy', id: 'goproxy', label: 'goproxy v0.26.1' } as const;
  const variants = [
    { name: 'direct', label: 'go straight at the upstream', sumdb: false },
    { name: 'gomodproxy', label: 'gomodproxy', contender: gmp, sumdb: false },
    { name: 'goproxy', label: 'goproxy v0.26.1', contender: peer, sumdb: false },
  ];
  const cpu = { gomodproxy: 1.2, goproxy: 0.4 };
  const md = markdown({ ...base, warm, cold: { ...cold, variants, cpu, cpuRuns: [cpu] } });
  assert.match(md, /^\| variant \| median \| vs go straight at the upstream \| server CPU per graph \| rounds \|$/m);
  // The go command straight at the upstream has no server: its own CPU is counted nowhere.
  assert.match(md, /^\| go straight at the upstream \| 1\.00 s \| 1\.00× \| – \| 1\.00, 2\.00, 1\.00 \|$/m);
  assert.match(md, /^\| gomodproxy \| 1\.10 s \| 1\.10× \| 1\.20 s \| 1\.05, 2\.40, 1\.10 \|$/m);
  assert.match(md, /^\| gomodproxy \(defaults\) \| server CPU per cold graph \(lower is better\) \| – \| 3\.00× \| – \| – \|$/m);
  // Results saved before CPU was measured still render, without the row.
  assert.doesNotMatch(markdown({ ...base, warm, cold: { ...cold, variants } }), /server CPU per cold graph/);
});
