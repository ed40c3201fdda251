// Real servers for integration tests (PostgreSQL, Redis, an S3-compatible store): taken from the
// environment when CI started them (.ci/run), else started here by the repository's own scripts in
// .ci/services/<name>.sh, which install and start a throwaway server on 127.0.0.1 and print KEY=VALUE lines.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const started = new Map<string, Promise<Record<string, string>>>();

/** The settings of a running service; `keys` are the variables that, when all set, mean it already runs. */
export function service(name: string, keys: readonly string[]): Promise<Record<string, string>> {
  const fromEnv = Object.fromEntries(keys.map((k) => [k, process.env[k] ?? '']));
  if (keys.every((k) => fromEnv[k] !== '')) return Promise.resolve(fromEnv);
  let p = started.get(name);
  if (p === undefined) {
    const script = fileURLToPath(new URL(`../../.ci/services/${name}.sh`, import.meta.url));
    p = run('bash', [script, 'start'], { timeout: 600_000, maxBuffer: 1 << 20 }).then(({ stdout }) => parseSettings(stdout));
    started.set(name, p);
  }
  return p;
}

export function parseSettings(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^(?:export )?([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m !== null) out[m[1] as string] = (m[2] as string).replace(/^'(.*)'$/, '$1').replace(/^"(.*)"$/, '$1');
  }
  return out;
}
