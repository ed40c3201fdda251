// Runs the real go command in an isolated environment (own GOPATH, module and build caches, no
// user go env file, no network), so end-to-end tests see exactly what a Go user would.
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface GoResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GoEnv {
  readonly home: string;
  readonly env: Record<string, string>;
}

export async function goEnv(goproxy: string, extra: Record<string, string> = {}): Promise<GoEnv> {
  const home = await mkdtemp(path.join(tmpdir(), 'gmp-go-'));
  return {
    home,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: home,
      GOPATH: path.join(home, 'gopath'),
      GOMODCACHE: path.join(home, 'gopath', 'pkg', 'mod'),
      GOCACHE: path.join(home, 'gocache'),
      GOENV: 'off',
      GOFLAGS: '-modcacherw',
      GOPROXY: goproxy,
      GOSUMDB: 'off',
      GONOSUMDB: '',
      GOPRIVATE: '',
      GOTOOLCHAIN: 'local',
      CGO_ENABLED: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      ...extra,
    },
  };
}

export function runGo(args: string[], cwd: string, env: GoEnv): Promise<GoResult> {
  return new Promise((resolve) => {
    execFile('go', args, { cwd, env: env.env, timeout: 120_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
      const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

/** `go … -json` prints JSON objects one after another. */
export function parseJsonStream<T>(out: string): T[] {
  const trimmed = out.trim();
  return trimmed === '' ? [] : (JSON.parse(`[${trimmed.replace(/}\n{/g, '},{')}]`) as T[]);
}

export interface Download {
  Path: string;
  Version: string;
  Sum?: string;
  GoModSum?: string;
  Error?: string;
}

export async function goDownload(env: GoEnv, args: string[]): Promise<{ result: GoResult; downloads: Download[] }> {
  const result = await runGo(['mod', 'download', '-json', ...args], env.home, env);
  return { result, downloads: parseJsonStream<Download>(result.stdout) };
}
