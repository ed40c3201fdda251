// How a test starts the gomodproxy CLI as a process: the compiled dist/ when it was built from the sources as they
// are now (CI's `npm ci` builds it right before the tests), else the TypeScript sources through tsx. Loading through
// tsx costs a process about twice the CPU (a `serve --workers 2` about 8 s instead of 4), and the tests start
// hundreds of them; a build older than any source or web file would test old code, so then it is the sources.
import { readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const at = (rel: string): string => fileURLToPath(new URL(`../../${rel}`, import.meta.url));
const COMPILED = at('dist/cli/run.js');
const SOURCES = at('src/cli/run.ts');

function mtime(file: string): number | undefined {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Whether a file the build is made from (not a test: the build leaves those out) changed after `builtAt`. */
function changedSince(dir: string, builtAt: number): boolean {
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !e.name.endsWith('.test.ts') && (mtime(`${e.parentPath}/${e.name}`) ?? 0) > builtAt) return true;
  }
  return false;
}

let fresh: boolean | undefined;

/** Whether dist/ (the CLI's JavaScript and the dashboard's bundle) holds the sources as they are now. */
function distIsFresh(): boolean {
  if (fresh !== undefined) return fresh;
  const built = [mtime(COMPILED), mtime(at('dist/ui/app.js'))];
  if (built.some((t) => t === undefined)) return (fresh = false);
  const builtAt = Math.min(...(built as number[]));
  fresh = !changedSince(at('src'), builtAt) && !changedSince(at('web'), builtAt);
  return fresh;
}

/** Node's arguments before the command's own: `serve …`, `storage adopt …` follow them. */
export function cliArgv(): string[] {
  return distIsFresh() ? [COMPILED] : ['--import', 'tsx', SOURCES];
}
