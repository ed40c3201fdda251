// `npm run fuzz -- [--runs N] [--seconds S] [--grep RE] [--seed=N --path=P] [--go]`: the unit tests' properties,
// run much longer. Without options each property gets 20× its test-suite runs; --seconds splits a time budget;
// --go adds differential properties against the real x/mod of the local Go toolchain.
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { zipXmodProperties } from '../modzip/zip-xmod.props.js';
import { xmodProperties } from '../protocol/xmod.props.js';
import { allProperties } from './all.js';
import { startGoOracle } from './go-oracle.js';
import type { GoOracle } from './go-oracle.js';
import { parameters } from './property.js';

const USAGE = 'usage: npm run fuzz -- [--runs N] [--seconds S] [--grep REGEXP] [--seed=N [--path=P]] [--go]';

function fail(message: string): never {
  process.stderr.write(`fuzz: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) fail(`--${name} needs a positive number, not ${JSON.stringify(value)}`);
  return n;
}

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        runs: { type: 'string' },
        seconds: { type: 'string' },
        grep: { type: 'string' },
        seed: { type: 'string' },
        path: { type: 'string' },
        go: { type: 'boolean' },
      },
    });
  } catch (err) {
    fail((err as Error).message);
  }
  const v = parsed.values;
  let grep: RegExp | undefined;
  try {
    grep = v.grep === undefined ? undefined : new RegExp(v.grep, 'i');
  } catch {
    fail(`--grep ${JSON.stringify(v.grep)} is not a regular expression`);
  }
  const seed = v.seed === undefined ? undefined : Number(v.seed);
  if (seed !== undefined && !Number.isInteger(seed)) fail('--seed needs an integer');
  return { runs: positive('runs', v.runs), seconds: positive('seconds', v.seconds), grep, seed, path: v.path, go: v.go === true };
}

async function main(): Promise<void> {
  const opts = options();
  let oracle: GoOracle | undefined;
  if (opts.go) {
    process.stdout.write('building the x/mod oracle with the local Go toolchain…\n');
    oracle = await startGoOracle().catch((err: Error) => fail(`--go needs go on PATH with its sources (src/cmd/vendor): ${err.message}`));
  }
  const go = () => oracle as GoOracle;
  const areas =
    oracle === undefined ? allProperties : [...allProperties, { area: 'x/mod (Go)', properties: [...xmodProperties(go), ...zipXmodProperties(go)] }];
  const selected = areas.flatMap(({ area, properties }) =>
    properties.filter((p) => opts.grep === undefined || opts.grep.test(`${area}: ${p.name}`)).map((p) => ({ area, p })),
  );
  if (selected.length === 0) fail('no property matches --grep');
  const sliceMs = opts.seconds === undefined ? undefined : (opts.seconds * 1000) / selected.length;
  let failed = 0;
  let total = 0;
  const started = Date.now();
  for (const { area, p } of selected) {
    const numRuns = opts.runs ?? (sliceMs === undefined ? p.runs * 20 : Number.MAX_SAFE_INTEGER);
    const extra: fc.Parameters<unknown> = { numRuns, ...(sliceMs === undefined ? {} : { plugins: [fc.interruptAfterTimeLimit(sliceMs)] }) };
    if (opts.seed !== undefined) Object.assign(extra, { seed: opts.seed }, opts.path === undefined ? {} : { path: opts.path });
    const t0 = Date.now();
    const details = await fc.check(p.build(), parameters(p, extra));
    total += details.numRuns;
    const line = `${area}: ${p.name} (${details.numRuns} runs, ${((Date.now() - t0) / 1000).toFixed(1)} s)`;
    if (details.failed) {
      failed++;
      process.stdout.write(`FAIL ${line}\n${fc.defaultReportMessage(details)}\n\n`);
    } else {
      process.stdout.write(`ok   ${line}\n`);
    }
  }
  await oracle?.close();
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  process.stdout.write(`\n${selected.length - failed}/${selected.length} properties held over ${total} cases in ${secs} s\n`);
  process.exitCode = failed > 0 ? 1 : 0;
}

await main();
