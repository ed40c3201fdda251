// What a CLI command gets from the outside world, injected so tests can drive commands in-process.
import type { Writable } from 'node:stream';

export interface CliIO {
  readonly stdout: Writable & { isTTY?: boolean; columns?: number };
  readonly stderr: Writable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Aborted on Ctrl-C (SIGINT); long-running commands print what they have and stop. */
  readonly signal?: AbortSignal;
}

/** A sub-command: resolves to the process exit code. */
export type Command = (argv: string[], io: CliIO) => Promise<number>;

export function processIO(signal?: AbortSignal): CliIO {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), signal };
}
