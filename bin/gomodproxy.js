#!/usr/bin/env node
// Entry point: runs the compiled CLI (built by `npm ci` through the prepare script); in a checkout
// without a build, or whose sources changed since the build, runs the TypeScript sources through tsx.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
const sources = fileURLToPath(new URL('../src', import.meta.url));

/** Whether any source file is newer than the build (a `git pull` without `npm ci`). */
function stale(builtAt) {
  for (const e of readdirSync(sources, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.ts') && statSync(`${e.parentPath}/${e.name}`).mtimeMs > builtAt) return true;
  }
  return false;
}

/** The soft limit on open files, where /proc says it (Linux); undefined elsewhere. */
function openFileLimit() {
  try {
    return /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Loads the CLI. Node's module loader opens its files many at a time: a low `ulimit -n` fails here, before any of our code runs. */
async function load() {
  const built = fileURLToPath(compiled);
  if (existsSync(built) && !(existsSync(sources) && stale(statSync(built).mtimeMs))) return import(compiled.href);
  const { register } = await import('tsx/esm/api');
  register();
  return import(new URL('../src/cli/main.ts', import.meta.url).href);
}

// Read before loading: after the loader's EMFILE no descriptor may be left to read it with.
const limit = openFileLimit();
/** Below this, loading may fail (Node's loader opens many files at once) and serving would soon run out. */
const MIN_OPEN_FILES = 128;

function cannotStart(why) {
  process.stderr.write(`gomodproxy: cannot start: ${why}; raise it (for example ulimit -n 4096) and start again\n`);
  process.exit(1);
}

if (limit !== undefined && limit !== 'unlimited' && Number(limit) < MIN_OPEN_FILES) {
  cannotStart(`the limit on open files (ulimit -n) is ${limit}, below the ${MIN_OPEN_FILES} it needs`);
}
let mod;
try {
  mod = await load();
} catch (err) {
  if (err?.code !== 'EMFILE' && err?.code !== 'ENFILE') throw err;
  const which = err.code === 'ENFILE' ? 'the system ran out of open files' : `the limit on open files (ulimit -n) is ${limit ?? 'too low'}`;
  cannotStart(`too many open files while loading its own code (${err.code}): ${which}`);
}
await mod.runMain();
