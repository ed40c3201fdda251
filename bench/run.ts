// `npm run bench [-- --quick] [--suite LIST] [--contenders LIST]`: prepares its own data in a temp directory,
// runs every contender in the same session, prints markdown and writes JSON (and charts) to bench/results/.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCold } from './cold.js';
import { CONTENDER_IDS, hasWorkersFlag, lineup, parseContenders } from './contenders.js';
import { contextFor } from './context.js';
import type { BenchContext } from './context.js';
import { entryDescription } from './gomodproxy.js';
import { runHerd } from './herd.js';
import { describeMachine, ensureTools } from './machine.js';
import { runMemory } from './memory.js';
import { markdown } from './report.js';
import type { Results } from './report.js';
import { soakSvg } from './report-soak.js';
import { runSoak } from './soak.js';
import { runWarm } from './warm.js';

const SUITES = ['warm', 'cold', 'herd', 'memory', 'soak', 'direct', 'verify', 'replicas'] as const;
const DEFAULT_SUITES = 'warm,cold,herd,memory';
const HELP = `Usage: npm run bench -- [--quick] [--suite LIST] [--contenders LIST] [--runs N] [--seconds S]
                       [--connections LIST] [--far-upstream MS] [--soak-clients N] [--soak-minutes M]
                       [--proxy-flag FLAG]... [--node-flag FLAG]... [--keep]

  --quick             a few minutes: 1 s wrk runs, 3 cold rounds, smaller zips; soak 200 clients for 30 s
  --suite LIST        comma-separated among ${SUITES.join(', ')} (default: ${DEFAULT_SUITES})
  --contenders LIST   comma-separated among ${CONTENDER_IDS.join(', ')} (default: all; goproxy and Athens
                      come from ../shared/peers, or BENCH_PEERS, and are skipped when it is absent)
  --far-upstream MS   the cold suite also runs the go command, gomodproxy and goproxy against the upstream
                      with every request held back MS ms, as across a WAN (default 20; 0: not)
  --soak-clients N    concurrent connections of the soak suite (default 1000)
  --soak-minutes M    minutes under load in the soak suite (default 10)
  --proxy-flag FLAG   extra flag for 'gomodproxy serve' (repeatable), e.g. --proxy-flag=--log-level=warn
  --node-flag FLAG    extra node flag for gomodproxy (repeatable), e.g. --node-flag=--cpu-prof
  --keep              keep the temp directory (data, logs, profiles)
`;

const OPTIONS = {
  quick: { type: 'boolean' },
  suite: { type: 'string' },
  contenders: { type: 'string' },
  runs: { type: 'string' },
  seconds: { type: 'string' },
  connections: { type: 'string' },
  'far-upstream': { type: 'string' },
  'soak-clients': { type: 'string' },
  'soak-minutes': { type: 'string' },
  'proxy-flag': { type: 'string', multiple: true },
  'node-flag': { type: 'string', multiple: true },
  keep: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function settingNotes(ctx: BenchContext, workersFlag: boolean): string[] {
  const gomodproxy = workersFlag
    ? 'gomodproxy ran with `--workers 1` and `--workers 2` in the warm suite and with its defaults elsewhere'
    : 'gomodproxy ran with its defaults';
  return [
    `wrk: ${ctx.runs} run(s) of ${ctx.seconds} s per cell after a ${ctx.warmupSeconds} s warm-up, median reported; connections ${ctx.connections.join(', ')}; 2 wrk threads (1 for 1 connection); contenders take turns in rotating order.`,
    `${gomodproxy} (log level info, to /dev/null; \`--sumdb off\`, as the go command runs with GOSUMDB=off, except in the verified cold runs).`,
    'Every contender sits in front of the same upstream, nginx serving GOPROXY-layout files (loopback only, `access_log` on to count what reaches it); the nginx contender serves those files itself (`access_log off`, sendfile, open_file_cache, one worker per CPU); goproxy and Athens run through ../shared/peers/start.sh (disk cache; Athens `DownloadMode=sync`).',
    'Before measuring, every contender is asked for every target once (filling its cache from the upstream) and warmed up the same way; a further request per immutable target must not reach the upstream. Every contender is checked to listen on 127.0.0.1 only.',
    'Load generator, servers and upstream share the same machine.',
  ];
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: OPTIONS });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const suites = (values.suite ?? DEFAULT_SUITES).split(',').map((s) => s.trim());
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown suite ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  ensureTools(log);
  const workersFlag = hasWorkersFlag();
  const team = lineup(parseContenders(values.contenders), workersFlag);
  for (const n of team.notes) log(n);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gmp-bench-'));
  // nginx workers started by root run as nobody: they must be able to read the fixtures.
  await chmod(tmp, 0o755);
  const given = { tmp, log, proxyFlags: values['proxy-flag'] ?? [], nodeFlags: values['node-flag'] ?? [], contenders: team.contenders, primary: team.primary };
  const base = contextFor(values.quick === true, given);
  const num = (v: string | undefined, d: number) => (v === undefined ? d : Number(v));
  const ctx: BenchContext = {
    ...base,
    runs: num(values.runs, base.runs),
    seconds: num(values.seconds, base.seconds),
    connections: values.connections === undefined ? base.connections : values.connections.split(',').map(Number),
    farUpstreamMs: num(values['far-upstream'], base.farUpstreamMs),
    soakClients: num(values['soak-clients'], base.soakClients),
    soakMinutes: num(values['soak-minutes'], base.soakMinutes),
  };
  const results: Results & { notes: string[] } = {
    date: new Date().toISOString(),
    quick: ctx.quick,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    entry: entryDescription(),
    machine: await describeMachine(),
    notes: [...team.notes, ...settingNotes(ctx, workersFlag)],
    contenders: team.contenders,
    primary: team.primary,
    workersFlag,
  };
  if (results.entry.includes('OLDER')) log(`warning: gomodproxy runs from ${results.entry}`);
  const started = Date.now();
  // Other work on a shared machine moves every figure: the report says how busy it was.
  const loads = [os.loadavg()[0] as number];
  const loadTimer = setInterval(() => loads.push(os.loadavg()[0] as number), 15_000);
  try {
    // A suite that fails (a server too slow to start on a loaded machine) is reported; the others still count.
    const suite = async (name: (typeof SUITES)[number], run: () => Promise<void>) => {
      if (!suites.includes(name)) return;
      try {
        await run();
      } catch (err) {
        log(`${name} failed: ${(err as Error).message}`);
        results.notes.push(`The ${name} suite failed: ${(err as Error).message.split('\n')[0]}`);
      }
    };
    await suite('warm', async () => void (results.warm = await runWarm(ctx)));
    await suite('cold', async () => void (results.cold = await runCold(ctx)));
    await suite('herd', async () => void (results.herd = await runHerd(ctx)));
    await suite('memory', async () => void (results.memory = await runMemory(ctx)));
    await suite('soak', async () => void (results.soak = await runSoak(ctx)));
    await suite('direct', async () => void (results.direct = await runDirect(ctx)));
    await suite('verify', async () => void (results.verify = { markdown: await (await import('./verify.js')).runVerifyBench(ctx.quick) }));
    await suite('replicas', async () => void (results.replicas = await (await import('./replicas.js')).runReplicas(ctx)));
  } finally {
    clearInterval(loadTimer);
    if (values.keep) log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  }
  const sorted = [...loads].sort((a, b) => a - b);
  const load = (q: number) => (sorted[Math.floor(q * (sorted.length - 1))] as number).toFixed(1);
  results.notes.push(
    `Load average (1 min) during the run, sampled every 15 s: min ${load(0)}, median ${load(0.5)}, max ${load(1)} on ${os.availableParallelism()} CPUs.`,
  );
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const stamp = `${results.date.replace(/[:.]/g, '-')}${ctx.quick ? '-quick' : ''}`;
  if (results.soak) {
    results.soakSvg = `bench/results/${stamp}-soak.svg`;
    await writeFile(path.join(dir, `${stamp}-soak.svg`), soakSvg(results.soak));
  }
  const out = markdown(results);
  process.stdout.write(out);
  const file = path.join(dir, `${stamp}.json`);
  await writeFile(file, `${JSON.stringify(results, null, 2)}\n`);
  await writeFile(path.join(dir, 'latest.md'), out);
  log(`done in ${Math.round((Date.now() - started) / 1000)} s; wrote ${path.relative(process.cwd(), file)} and bench/results/latest.md`);
  return 0;
}

/** The go command's direct (VCS) mode against gomodproxy's, from bench/direct.ts; loaded only when asked. */
async function runDirect(ctx: BenchContext): Promise<{ markdown: string; json: unknown }> {
  const { runDirectBench } = await import('./direct.js');
  return runDirectBench({ quick: ctx.quick });
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
