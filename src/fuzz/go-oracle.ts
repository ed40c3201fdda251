// Builds and talks to the Go oracle (go-oracle/main.go) for `npm run fuzz -- --go`: the x/mod copy vendored
// in the local Go toolchain, compiled once into a temporary directory and asked one JSON line at a time.
import { execFile, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface GoAnswer {
  s?: string;
  b: boolean;
  err?: string;
}

export interface GoOracle {
  /** Asks the oracle; strings must be well-formed (JSON cannot carry invalid UTF-8 to Go). */
  ask(op: string, a: string, b?: string): Promise<GoAnswer>;
  close(): Promise<void>;
}

/** Compiles the oracle against `$(go env GOROOT)/src/cmd/vendor/golang.org/x/mod` and starts it. */
export async function startGoOracle(goBinary = 'go'): Promise<GoOracle> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-go-oracle-'));
  const env = { ...process.env, GOFLAGS: '-mod=mod', GOPROXY: 'off', GOWORK: 'off', GOTOOLCHAIN: 'local' };
  try {
    const goroot = (await run(goBinary, ['env', 'GOROOT'], { env })).stdout.trim();
    const xmod = path.join(goroot, 'src/cmd/vendor/golang.org/x/mod');
    for (const pkg of ['module', 'semver', 'internal', 'zip', 'sumdb/dirhash'])
      await cp(path.join(xmod, pkg), path.join(dir, 'xmod', pkg), { recursive: true });
    await writeFile(path.join(dir, 'xmod/go.mod'), 'module golang.org/x/mod\n\ngo 1.17\n');
    await writeFile(path.join(dir, 'go.mod'), 'module oracle\n\ngo 1.19\n\nrequire golang.org/x/mod v0.0.0\n\nreplace golang.org/x/mod => ./xmod\n');
    await cp(new URL('./go-oracle/main.go', import.meta.url), path.join(dir, 'main.go'));
    await run(goBinary, ['build', '-o', 'oracle', '.'], { cwd: dir, env });
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  const child: ChildProcessWithoutNullStreams = spawn(path.join(dir, 'oracle'), { stdio: 'pipe' });
  const waiting: Array<{ resolve: (a: GoAnswer) => void; reject: (e: Error) => void }> = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.resolve(JSON.parse(line) as GoAnswer));
  // A crashed oracle must fail the property that asked, not leave it waiting for ever.
  child.once('exit', (code) => {
    for (const w of waiting.splice(0)) w.reject(new Error(`the Go oracle exited (${code})`));
  });
  return {
    ask(op, a, b = '') {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        child.stdin.write(`${JSON.stringify({ op, a, b })}\n`);
      });
    },
    async close() {
      child.stdin.end();
      if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
