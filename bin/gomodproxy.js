#!/usr/bin/env node
// Entry point: runs the compiled CLI (built by `npm ci` through the prepare script); in a checkout
// without a build, falls back to the TypeScript sources through tsx.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const compiled = new URL('../dist/cli/main.js', import.meta.url);
let mod;
if (existsSync(fileURLToPath(compiled))) {
  mod = await import(compiled.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(new URL('../src/cli/main.ts', import.meta.url).href);
}
await mod.runMain();
