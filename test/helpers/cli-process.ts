// Runs one gomodproxy command as its own process (the CLI as cli-entry.ts starts it: built, or the sources), for tests that
// read what only a process shows: its log on stdout and stderr as the command writes it, and its exit status.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { cliArgv } from './cli-entry.js';

const run = promisify(execFile);

/** The command's exit status and output; the test's own GOMODPROXY_* and NODE_* settings do not reach it. */
export async function runCliProcess(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GOMODPROXY_') && k !== 'NODE_OPTIONS' && !k.startsWith('NODE_TEST')) env[k] = v;
  return run(process.execPath, [...cliArgv(), ...args], { env }).then(
    (ok) => ({ code: 0, stdout: ok.stdout, stderr: ok.stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }),
  );
}
