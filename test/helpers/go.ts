// Runs the real go command in an isolated environment (own GOPATH, module and build caches, no
// user go env file, no telemetry, no network), so end-to-end tests see exactly what a Go user would.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe } from 'node:test';

/** The Go releases the end-to-end suites run with: the oldest supported client and today's. */
export const TESTED_GO: readonly string[] = ['1.19', '1.23'];

export interface GoCommand {
  /** The release, e.g. "1.23". */
  readonly minor: string;
  /** `go env GOVERSION`, e.g. "go1.23.5". */
  readonly version: string;
  readonly bin: string;
}

export interface GoUnderTest {
  readonly minor: string;
  readonly go?: GoCommand;
  /** Why the release is skipped when it is not installed. */
  readonly skip?: string;
}

let found: Promise<GoUnderTest[]> | undefined;

/**
 * One go binary per tested release: `go` on PATH or Debian's /usr/lib/go-<release>/bin/go. A missing
 * release is skipped with the reason, unless GMP_REQUIRE_GO (CI sets `1.19,1.23`) names it: then this
 * throws, so CI fails loudly instead of quietly testing less.
 */
export function goCommands(): Promise<GoUnderTest[]> {
  found ??= findGoCommands(process.env.GMP_REQUIRE_GO ?? '');
  return found;
}

async function findGoCommands(requireList: string): Promise<GoUnderTest[]> {
  const required = requireList
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  const wanted = [...new Set([...TESTED_GO, ...required])];
  const candidates = ['go', ...wanted.map((m) => `/usr/lib/go-${m}/bin/go`)];
  const home = await isolatedHome();
  const versions = await Promise.all(candidates.map((bin) => goVersionOf(bin, home)));
  await rm(home, { recursive: true, force: true });
  return wanted.map((minor) => {
    const i = versions.findIndex((v) => v !== undefined && minorOf(v) === minor);
    if (i >= 0) return { minor, go: { minor, version: versions[i] as string, bin: candidates[i] as string } };
    const looked = `looked for ${candidates.join(', ')}`;
    if (required.includes(minor))
      throw new Error(`GMP_REQUIRE_GO=${requireList} asks for go ${minor}, but it is not installed (${looked}); Debian: apt-get install golang-${minor}-go`);
    return { minor, skip: `go ${minor} is not installed (${looked}); set GMP_REQUIRE_GO=${minor} to make that an error` };
  });
}

/** "go1.23.5" → "1.23"; "go1.21rc2" → "1.21". */
function minorOf(goVersion: string): string | undefined {
  return /^go(1\.\d+)/.exec(goVersion)?.[1];
}

function goVersionOf(bin: string, home: string): Promise<string | undefined> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_CONFIG_HOME: path.join(home, '.config'), GOENV: 'off', GOTOOLCHAIN: 'local' };
  return new Promise((resolve) => {
    execFile(bin, ['env', 'GOVERSION'], { env, timeout: 60_000 }, (err, stdout) => resolve(err === null ? stdout.trim() : undefined));
  });
}

/**
 * Declares one suite per tested Go release, named "<title> (go 1.23)", and calls define inside it
 * with that release's go; `only` limits the releases. A release that is not installed is a skipped suite.
 */
export async function forEachGo(title: string, define: (go: GoCommand) => void, only: readonly string[] = TESTED_GO): Promise<void> {
  for (const g of await goCommands()) {
    if (!only.includes(g.minor)) continue;
    const name = `${title} (go ${g.minor})`;
    const go = g.go;
    if (go === undefined) describe(name, { skip: g.skip }, () => {});
    else describe(name, () => define(go));
  }
}

/** Every HOME made here, removed when the test process ends (a module cache is tens of MB; many tests keep theirs). */
const homes = new Set<string>();

function removeHomesAtExit(): void {
  for (const home of homes) {
    try {
      rmSync(home, { recursive: true, force: true });
    } catch {
      // A test that left something unremovable only costs disk; the exit code is the tests'.
    }
  }
}

/** A new empty HOME in which Go 1.23 telemetry is off. */
async function isolatedHome(): Promise<string> {
  const home = await mkdtemp(path.join(tmpdir(), 'gmp-go-'));
  if (homes.size === 0) process.once('exit', removeHomesAtExit);
  homes.add(home);
  // Go 1.23 reads its telemetry mode from this file, not from GOTELEMETRY (which `go env` only reports).
  await mkdir(path.join(home, '.config', 'go', 'telemetry'), { recursive: true });
  await writeFile(path.join(home, '.config', 'go', 'telemetry', 'mode'), 'off\n');
  return home;
}

export interface GoResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface GoEnv {
  readonly home: string;
  /** The go binary to run: `go` on PATH unless a GoCommand was given. */
  readonly bin: string;
  readonly env: Record<string, string>;
}

/**
 * Everything Go 1.21+ changed about a plain run is pinned: GOTOOLCHAIN=local (no switching unless a
 * test asks for it), -modcacherw (temp dirs can be removed), telemetry off.
 */
export async function goEnv(goproxy: string, extra: Record<string, string> = {}, go?: GoCommand): Promise<GoEnv> {
  const home = await isolatedHome();
  const pathEnv = process.env.PATH ?? '/usr/bin:/bin';
  return {
    home,
    bin: go?.bin ?? 'go',
    env: {
      // The chosen go first on PATH, so anything that looks for `go` finds the same release.
      PATH: go === undefined ? pathEnv : `${path.dirname(go.bin)}:${pathEnv}`,
      HOME: home,
      XDG_CONFIG_HOME: path.join(home, '.config'),
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
      GOTELEMETRY: 'off',
      CGO_ENABLED: '0',
      GIT_CONFIG_NOSYSTEM: '1',
      ...extra,
    },
  };
}

/** The timeout is for a hung go command only: the direct-mode oracle takes over 2 minutes on a busy machine. */
export function runGo(args: string[], cwd: string, env: GoEnv): Promise<GoResult> {
  return new Promise((resolve) => {
    execFile(env.bin, args, { cwd, env: env.env, timeout: 600_000, maxBuffer: 32 << 20 }, (err, stdout, stderr) => {
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
  /** The downloaded zip in the module cache. */
  Zip?: string;
  Error?: string;
}

export async function goDownload(env: GoEnv, args: readonly string[]): Promise<{ result: GoResult; downloads: Download[] }> {
  const result = await runGo(['mod', 'download', '-json', ...args], env.home, env);
  return { result, downloads: parseJsonStream<Download>(result.stdout) };
}
