// `npm test` and `npm run test:unit`: node's test runner on every *.test.ts under the folders named (files may be
// named too), with TMPDIR set to one fresh directory that is removed when the run ends. Tests make hundreds of temp
// directories (data directories, fake upstreams, go module caches); one left behind by a failed or interrupted test
// would otherwise stay in /tmp for good, and a developer's /tmp grew by gigabytes over a few days of runs.
// Arguments starting with `--` go to `node --test` (e.g. `--test-concurrency=2`, `--test-name-pattern=…`).
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

function testFiles(from: string): string[] {
  if (!statSync(from).isDirectory()) return [from];
  return readdirSync(from, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(from, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : testFiles(p);
    return e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const named = args.filter((a) => !a.startsWith('--'));
// The end-to-end suites (test/, then bench/) first and the unit tests (src/) last: the run takes files in this order
// two at a time, and the many short unit files then fill the gaps at the end, where in path order a long suite
// starting last held the run up alone.
const firstBy = (f: string): number => (f.startsWith('test') ? 0 : f.startsWith('bench') ? 1 : 2);
const files = (named.length > 0 ? named : ['src', 'test', 'bench']).flatMap(testFiles).sort((a, b) => firstBy(a) - firstBy(b) || (a < b ? -1 : a > b ? 1 : 0));
const scratch = mkdtempSync(path.join(tmpdir(), 'gmp-tests-'));
// Open to other users as /tmp is: tests start servers that run as another user (PostgreSQL's initdb as postgres,
// nginx's workers as nobody when the tests run as root) and read the tests' own temp directories.
chmodSync(scratch, 0o755);
const child = spawn(process.execPath, ['--import', 'tsx', '--test', ...flags, ...files], {
  stdio: 'inherit',
  env: { ...process.env, TMPDIR: scratch },
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  rmSync(scratch, { recursive: true, force: true, maxRetries: 3 });
  process.exitCode = code ?? (signal === null ? 1 : 128);
});
