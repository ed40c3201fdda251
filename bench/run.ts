// `npm run bench [-- --quick] [--suite warm,cold,herd,memory,direct,verify]`: prepares its own data in a temp
// directory, runs every contender in the same session, prints markdown and writes JSON to bench/results/.
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runCold } from './cold.js';
import { contextFor } from './context.js';
import type { BenchContext } from './context.js';
import { entryDescription } from './gomodproxy.js';
import { runHerd } from './herd.js';
import { describeMachine, ensureTools } from './machine.js';
import { runMemory } from './memory.js';
import { markdown } from './report.js';
import type { Results } from './report.js';
import { runWarm } from './warm.js';

const SUITES = ['warm', 'cold', 'herd', 'memory', 'direct', 'verify', 'soak'] as const;
const HELP = `Usage: npm run bench -- [--quick] [--suite LIST] [--runs N] [--seconds S] [--connections LIST]
                       [--proxy-flag FLAG]... [--node-flag FLAG]... [--keep]

  --quick            about a minute: 1 short run per cell, smaller zips and graph
  --suite LIST       comma-separated among ${SUITES.join(', ')} (default: all but direct, verify and soak)
  --soak-clients N   soak: concurrent clients (default 1000; --quick 100)
  --soak-seconds S   soak: how long (default 600; --quick 30)
  --proxy-flag FLAG  extra flag for 'gomodproxy serve' (repeatable), e.g. --proxy-flag=--log-level=warn
  --node-flag FLAG   extra node flag for gomodproxy (repeatable), e.g. --node-flag=--cpu-prof
  --keep             keep the temp directory (data, nginx logs, profiles)
`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean' },
      suite: { type: 'string' },
      runs: { type: 'string' },
      seconds: { type: 'string' },
      connections: { type: 'string' },
      'proxy-flag': { type: 'string', multiple: true },
      'node-flag': { type: 'string', multiple: true },
      keep: { type: 'boolean' },
      'soak-clients': { type: 'string' },
      'soak-seconds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const suites = (values.suite ?? 'warm,cold,herd,memory').split(',').map((s) => s.trim());
  const unknown = suites.filter((s) => !(SUITES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown suite ${unknown.join(', ')}; choose from ${SUITES.join(', ')}`);
  const log = (m: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}\n`);
  ensureTools(log);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'gmp-bench-'));
  // nginx workers started by root run as nobody: they must be able to read the fixtures.
  await chmod(tmp, 0o755);
  const base = contextFor(values.quick === true, { tmp, log, proxyFlags: values['proxy-flag'] ?? [], nodeFlags: values['node-flag'] ?? [] });
  const ctx: BenchContext = {
    ...base,
    runs: values.runs === undefined ? base.runs : Number(values.runs),
    seconds: values.seconds === undefined ? base.seconds : Number(values.seconds),
    connections: values.connections === undefined ? base.connections : values.connections.split(',').map(Number),
  };
  const results: Results = {
    date: new Date().toISOString(),
    quick: ctx.quick,
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    entry: entryDescription(),
    machine: await describeMachine(),
    notes: [
      `wrk: ${ctx.runs} run(s) of ${ctx.seconds} s per cell, median reported; connections ${ctx.connections.join(', ')}; 2 wrk threads (1 for 1 connection).`,
      'gomodproxy runs with its defaults (log level info, to /dev/null), cache filled through a file:// upstream; nginx has access_log off, sendfile and open_file_cache on.',
      'Load generator, server and upstream share the same machine.',
    ],
  };
  const started = Date.now();
  try {
    if (suites.includes('warm')) results.warm = await runWarm(ctx);
    if (suites.includes('cold')) results.cold = await runCold(ctx);
    if (suites.includes('herd')) results.herd = await runHerd(ctx);
    if (suites.includes('memory')) results.memory = await runMemory(ctx);
    if (suites.includes('direct')) results.direct = await runDirect(ctx);
    if (suites.includes('soak')) {
      const { runSoak } = await import('./soak.js');
      results.soak = await runSoak(ctx, {
        clients: Number(values['soak-clients'] ?? (ctx.quick ? 100 : 1000)),
        seconds: Number(values['soak-seconds'] ?? (ctx.quick ? 30 : 600)),
      });
    }
    if (suites.includes('verify')) results.verify = { markdown: await (await import('./verify.js')).runVerifyBench(ctx.quick) };
  } finally {
    if (values.keep) log(`kept ${tmp}`);
    else await rm(tmp, { recursive: true, force: true });
  }
  const out = markdown(results);
  process.stdout.write(out);
  const dir = fileURLToPath(new URL('./results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const stamp = results.date.replace(/[:.]/g, '-');
  const file = path.join(dir, `${stamp}${ctx.quick ? '-quick' : ''}.json`);
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
