#!/usr/bin/env node
// Entry point: runs the compiled CLI (built by `npm ci` through the prepare script); in a checkout
// without a build, or whose sources changed since the build, runs the TypeScript sources through tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
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

const built = fileURLToPath(compiled);
let mod;
if (existsSync(built) && !(existsSync(sources) && stale(statSync(built).mtimeMs))) {
  mod = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
await mod.runMain();
