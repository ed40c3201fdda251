// A CliIO for running sub-commands in-process in tests, with everything they print captured.
import { PassThrough } from 'node:stream';
import type { CliIO } from '../../src/cli/io.js';

export interface CapturedIO {
  readonly io: CliIO;
  /** What the command has printed so far. */
  readonly text: { stdout: string; stderr: string };
}

export function captureIO(opts: { env?: Record<string, string | undefined>; cwd?: string; signal?: AbortSignal } = {}): CapturedIO {
  const out = new PassThrough();
  const err = new PassThrough();
  const text = { stdout: '', stderr: '' };
  out.on('data', (c: Buffer) => (text.stdout += c.toString()));
  err.on('data', (c: Buffer) => (text.stderr += c.toString()));
  return { io: { stdout: out, stderr: err, env: opts.env ?? {}, cwd: opts.cwd ?? process.cwd(), signal: opts.signal }, text };
}
