// Runs the git binary the safe way: argument arrays (never a shell), a timeout on every call, no prompts,
// literal pathspecs, and credentials handed over in the environment so they never appear in argv or logs.
import { spawn } from 'node:child_process';

export interface GitRunOptions {
  /** The repository (`git -C`); omitted for commands that need none. */
  readonly cwd?: string;
  readonly timeoutMs: number;
  /** Extra `-c key=value` settings, passed through GIT_CONFIG_* variables (not argv). */
  readonly config?: ReadonlyArray<readonly [string, string]>;
  /** Bytes written to stdin. */
  readonly input?: string;
  /** Output beyond this many bytes fails the call (the go command's own limits are 16 MiB/500 MiB). */
  readonly maxOutput?: number;
  /** Ends the call (and every process it started) when aborted: a mirror's background work at shutdown. */
  readonly signal?: AbortSignal;
  /**
   * The cut of the fill the call works for (fill/filler.ts): aborted only at shutdown, for every fill nobody waits
   * for at once; the call then ends with every process it started, and is not started once it aborted. Handed
   * down explicitly by DirectSource, not found from the async context: Node 20's async context storage turns on
   * promise hooks for the whole process at its first use, for good, and every await of every request then costs
   * about 2.3 times as much (test/architecture.test.ts keeps it out of src/).
   */
  readonly cut?: AbortSignal;
}

export interface GitResult {
  readonly stdout: Buffer;
  readonly stderr: string;
}

/** A failed git call; `message` holds no credentials (they never reach argv or the output of git). */
export class GitError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
    readonly timedOut = false,
  ) {
    super(message);
    this.name = 'GitError';
  }
}

/**
 * A git call, or a wait for one, ended by the shutdown rather than by git: the cut of the fill it ran for, or its
 * repository closing. Work that fills share (a fetch, a resolved revision, a file read) ends with it for every fill
 * that joined it, also one asked after the cut: each passes it on as the shutdown (503, direct-source.ts), never as
 * the remote's failure nor as an answer about the repository.
 */
export class GitStoppedError extends GitError {
  constructor(message: string, stderr = '') {
    super(message, null, stderr);
    this.name = 'GitStoppedError';
  }
}

/** A git call whose output went past the caller's limit (a file larger than the go command allows). */
export class GitOutputTooLargeError extends GitError {
  constructor(
    args: readonly string[],
    readonly limit: number,
  ) {
    super(`git ${args[0] ?? ''}: output larger than ${limit} bytes`, null, '');
    this.name = 'GitOutputTooLargeError';
  }
}

const DEFAULT_MAX_OUTPUT = 64 << 20;

/** Process-wide counters of git calls by subcommand (calls and milliseconds), for benchmarks and tuning. */
export const gitStats = new Map<string, { calls: number; ms: number }>();

function record(args: readonly string[], started: number): void {
  const cmd = args.find((a) => !a.startsWith('-') && !a.includes('=')) ?? '?';
  const s = gitStats.get(cmd) ?? { calls: 0, ms: 0 };
  s.calls++;
  s.ms += Date.now() - started;
  gitStats.set(cmd, s);
}

/** The environment of every git call: the go command's non-interactive settings plus ours. */
export function gitEnv(config: ReadonlyArray<readonly [string, string]> = []): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.GIT_TERMINAL_PROMPT = '0';
  env.GCM_INTERACTIVE = 'never';
  env.GIT_SSH_COMMAND ??= 'ssh -o ControlMaster=no -o BatchMode=yes';
  env.GIT_LITERAL_PATHSPECS = '1';
  env.LC_ALL = 'C';
  // Never let an inherited GIT_DIR or worktree redirect our commands at another repository.
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_NAMESPACE']) delete env[k];
  const base = Number(env.GIT_CONFIG_COUNT ?? '0') || 0;
  config.forEach(([k, v], i) => {
    env[`GIT_CONFIG_KEY_${base + i}`] = k;
    env[`GIT_CONFIG_VALUE_${base + i}`] = v;
  });
  env.GIT_CONFIG_COUNT = String(base + config.length);
  return env;
}

/** Runs `git <args>` and resolves with its output, or rejects with a GitError (non-zero exit, timeout, too much output). */
export function runGit(args: readonly string[], opts: GitRunOptions): Promise<GitResult> {
  const argv = opts.cwd === undefined ? [...args] : ['-C', opts.cwd, ...args];
  const limit = opts.maxOutput ?? DEFAULT_MAX_OUTPUT;
  const started = Date.now();
  // What ends the call from outside, and why: the repository closing, the fill's cut.
  const stops = [
    { signal: opts.signal, why: 'the repository is closing' },
    { signal: opts.cut, why: 'the fill was cut' },
  ];
  return new Promise<GitResult>((resolve, reject) => {
    const stopped = stops.find((s) => s.signal?.aborted === true);
    if (stopped !== undefined) return reject(new GitStoppedError(`git ${args[0] ?? ''}: not started, ${stopped.why}`));
    // Its own process group, so a timeout also ends the helpers git starts (remote-https, ssh, lazy fetches).
    const child = spawn('git', argv, { env: gitEnv(opts.config), stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const killAll = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const out: Buffer[] = [];
    let outLen = 0;
    let err = '';
    let failure: GitError | undefined;
    const timer = setTimeout(() => {
      failure = new GitError(`git ${args[0] ?? ''}: timed out after ${opts.timeoutMs} ms`, null, err, true);
      killAll();
      reject(failure);
    }, opts.timeoutMs);
    // Rejected once the processes are gone (at 'close'), so that whoever waits for the call may then remove the repository.
    const listeners = stops.map(({ signal, why }) => {
      const stop = (): void => {
        failure ??= new GitStoppedError(`git ${args[0] ?? ''}: stopped, ${why}`, err);
        killAll();
      };
      signal?.addEventListener('abort', stop, { once: true });
      return () => signal?.removeEventListener('abort', stop);
    });
    const unlisten = (): void => {
      for (const remove of listeners) remove();
    };
    child.stdout.on('data', (b: Buffer) => {
      outLen += b.length;
      if (outLen > limit) {
        failure ??= new GitOutputTooLargeError(args, limit);
        killAll();
      } else out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (err.length < 8192) err += b.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      unlisten();
      reject(new GitError(`cannot run git: ${e.message}`, null, ''));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      unlisten();
      if (failure !== undefined) return reject(failure);
      if (code !== 0) {
        const first = err
          .trim()
          .split('\n')
          .filter((l) => l !== '')
          .slice(-3)
          .join('; ');
        return reject(new GitError(`git ${args[0] ?? ''} failed (exit ${code}): ${first}`, code, err));
      }
      resolve({ stdout: Buffer.concat(out), stderr: err });
    });
    child.stdin.on('error', () => {}); // git may exit before reading all input
    child.stdin.end(opts.input ?? '');
  }).finally(() => record(args, started));
}

/**
 * The system's reason when git failed for want of room on this machine's disk (a mirror, a zip being archived),
 * or undefined. git runs with LC_ALL=C; a line that says `remote:` is the server's own disk, not ours.
 */
export function gitDiskFull(err: GitError): 'ENOSPC' | 'EDQUOT' | undefined {
  const ours = err.stderr
    .split('\n')
    .filter((l) => !/^\s*remote:/i.test(l))
    .join('\n');
  if (/No space left on device/i.test(ours)) return 'ENOSPC';
  if (/Disk quota exceeded/i.test(ours)) return 'EDQUOT';
  return undefined;
}

/** Whether err is git failing for want of room on our own disk (gitDiskFull): no verdict on the repository. */
export function isGitDiskFull(err: unknown): err is GitError {
  return err instanceof GitError && gitDiskFull(err) !== undefined;
}

/**
 * Whether err is git failing for a reason of its own (the remote unreachable or refusing, a timeout, our own full
 * disk), which says nothing about whether a revision exists: callers pass it on (502, 504, 503: direct-source.ts)
 * and never turn it into a 404 for the version.
 */
export function isGitFailure(err: unknown): err is GitError {
  return err instanceof GitError && !(err instanceof GitOutputTooLargeError);
}

/** A full commit hash (SHA-1 or SHA-256), the only form we hand to git as a revision. */
export function isFullHash(s: string): boolean {
  return /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/.test(s);
}

/** git check-ref-format's rules for the names we fetch or look up (no `..`, control chars, `~^:?*[\`, `@{`, …). */
export function isSafeRefName(ref: string): boolean {
  if (ref === '' || ref.length > 1024 || ref.startsWith('-') || ref.endsWith('/') || ref.endsWith('.')) return false;
  if (/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{|\/\/|\/\.|\.lock(\/|$)/.test(ref)) return false;
  return ref !== '@' && !ref.startsWith('.');
}
