// Runs one gomodproxy command in-process (not in a child, as cli-entry.ts starts one): its exit code and everything it printed.
import { main } from '../../src/cli/main.js';
import { captureIO } from './cli-io.js';

export async function runCli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const c = captureIO({ env });
  const code = await main(args, c.io);
  return { code, ...c.text };
}
