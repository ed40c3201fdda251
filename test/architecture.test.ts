// The import graph of src/ points one way (ARCHITECTURE.md): each folder may import only the folders
// listed for it, so a new edge that would make a layer depend on one above it fails here, by name.
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';

const SRC = path.resolve('src');

/** What each top-level part of src/ may import (besides itself). Lower layers come first. */
const ALLOWED: Record<string, readonly string[]> = {
  errors: [],
  metrics: [],
  // Young-generation collections for streams of many megabytes (src/reclaim.ts).
  reclaim: [],
  // Waiting for work at most so long (src/bounded-wait.ts).
  'bounded-wait': [],
  fuzz: ['protocol', 'modzip', 'storage', 'sumdb', 'config'],
  protocol: ['errors'],
  modzip: ['protocol', 'errors', 'reclaim'],
  config: ['protocol'],
  // GOPROXY/GOSUMDB lines for shells and CI: a library of the env command, the doctor and the dashboard.
  shellenv: ['protocol', 'errors'],
  coord: ['errors', 'metrics', 'bounded-wait'],
  storage: ['coord', 'protocol', 'errors', 'metrics', 'bounded-wait'],
  sumdb: ['protocol', 'storage', 'coord', 'errors', 'metrics'],
  auth: ['coord', 'protocol', 'errors'],
  audit: ['errors'],
  upstream: ['protocol', 'modzip', 'storage', 'errors', 'metrics', 'reclaim'],
  vcs: ['upstream', 'protocol', 'modzip', 'storage', 'errors', 'metrics'],
  fill: ['upstream', 'vcs', 'storage', 'coord', 'modzip', 'protocol', 'errors', 'metrics'],
  policy: ['cache', 'fill', 'protocol', 'errors'],
  verify: ['fill', 'sumdb', 'upstream', 'storage', 'coord', 'protocol', 'errors', 'metrics'],
  content: ['fill', 'storage', 'coord', 'modzip', 'protocol', 'errors', 'metrics'],
  feed: ['fill', 'upstream', 'storage', 'coord', 'protocol', 'errors', 'metrics'],
  hooks: ['fill', 'vcs', 'storage', 'coord', 'protocol', 'errors'],
  bundle: ['content', 'verify', 'sumdb', 'storage', 'coord', 'modzip', 'protocol', 'errors'],
  cache: ['content', 'fill', 'storage', 'modzip', 'protocol', 'errors', 'metrics'],
  publish: ['cache', 'fill', 'vcs', 'storage', 'coord', 'modzip', 'protocol', 'errors'],
  server: [
    'cache',
    'publish',
    'verify',
    'policy',
    'feed',
    'hooks',
    'auth',
    'audit',
    'sumdb',
    'storage',
    'modzip',
    'protocol',
    'errors',
    'metrics',
    'bounded-wait',
  ],
  dashboard: ['server', 'auth', 'verify', 'vcs', 'shellenv', 'storage', 'modzip', 'protocol', 'errors', 'metrics'],
  app: [
    'server',
    'dashboard',
    'publish',
    'cache',
    'bundle',
    'hooks',
    'feed',
    'content',
    'verify',
    'policy',
    'fill',
    'vcs',
    'upstream',
    'sumdb',
    'auth',
    'audit',
    'coord',
    'storage',
    'shellenv',
    'config',
    'protocol',
    'modzip',
    'errors',
    'metrics',
  ],
  // The commands: cli dispatches to the others, which share its flag helpers.
  cli: [
    'app',
    'bench',
    'doctor',
    'bundle',
    'content',
    'verify',
    'vcs',
    'upstream',
    'sumdb',
    'auth',
    'audit',
    'coord',
    'storage',
    'shellenv',
    'config',
    'protocol',
    'modzip',
    'errors',
    'metrics',
    'bounded-wait',
  ],
  // upstream/tls-trust.ts: the CAs the go command trusts, for the commands' https clients as for the upstreams'.
  bench: ['cli', 'upstream', 'config', 'modzip', 'protocol', 'sumdb', 'errors'],
  doctor: ['cli', 'bench', 'shellenv', 'vcs', 'config', 'protocol', 'errors'],
};

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...(await sourceFiles(p)));
    // Unit and property tests may reach anywhere (fixtures, fuzz helpers); the product code may not.
    else if (e.name.endsWith('.ts') && !/\.(test|props)\.ts$/.test(e.name)) out.push(p);
  }
  return out;
}

function part(file: string): string {
  return (
    path
      .relative(SRC, file)
      .split(path.sep)[0]
      ?.replace(/\.[jt]s$/, '') ?? ''
  );
}

test('every import between the folders of src/ goes down the layers ARCHITECTURE.md draws', async () => {
  const wrong: string[] = [];
  const files = await sourceFiles(SRC);
  assert.ok(files.length > 100, 'the walk found the sources');
  for (const file of files) {
    const from = part(file);
    assert.ok(from in ALLOWED, `src/${from} is not in the layer table of this test: add it where it belongs`);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
      const to = part(path.resolve(path.dirname(file), m[1] as string));
      if (to !== from && !(ALLOWED[from] ?? []).includes(to)) wrong.push(`${path.relative(SRC, file)} imports ${to}/`);
    }
  }
  assert.deepEqual(wrong, []);
});

test('nothing in src/ imports node:async_hooks', async () => {
  // On Node 20 the first run of an async context store (or any async hook) turns on promise hooks for the whole
  // process, for good: every await of every hit and fill then costs about 2.3 times as much (3 million awaits,
  // 0.40 s before, 0.94 s after). What a piece of work needs (a fill's cut, GitRunOptions.cut) is handed down.
  const all = async (dir: string): Promise<string[]> => {
    const out: string[] = [];
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) out.push(...(await all(p)));
      else if (/\.[cm]?[jt]sx?$/.test(e.name)) out.push(p);
    }
    return out;
  };
  const files = await all(SRC);
  assert.ok(files.length > 100, 'the walk found the sources');
  const wrong: string[] = [];
  for (const file of files) {
    const text = await readFile(file, 'utf8');
    if (/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^import\s+)['"`](?:node:)?async_hooks['"`]/m.test(text)) wrong.push(path.relative(SRC, file));
  }
  assert.deepEqual(wrong, []);
});

test('the layer table has no cycles outside the command layer', () => {
  const commands = new Set(['cli', 'bench', 'doctor']);
  const seen = new Map<string, 'open' | 'done'>();
  const visit = (n: string, trail: string[]): void => {
    if (seen.get(n) === 'done') return;
    assert.notEqual(seen.get(n), 'open', `cycle: ${[...trail, n].join(' -> ')}`);
    seen.set(n, 'open');
    for (const m of ALLOWED[n] ?? []) if (!(commands.has(n) && commands.has(m))) visit(m, [...trail, n]);
    seen.set(n, 'done');
  };
  for (const n of Object.keys(ALLOWED)) visit(n, []);
});

/** The packages a module loads at start: the closure of its static imports (dynamic `import()` excluded). */
async function packagesLoaded(entry: string): Promise<Set<string>> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = async (file: string): Promise<void> => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = await readFile(file, 'utf8');
    for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)(?:[^'";]*?\bfrom\s*)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) await visit(path.resolve(path.dirname(file), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  };
  await visit(entry);
  return packages;
}

test('the primary of `serve --workers N` loads no server, and no process loads a backend it is not configured for', async () => {
  // Each of these adds 15-60 MiB to a process: the primary only supervises, and S3, PostgreSQL and Redis load
  // when configured (app/s3-open.ts, app/coordinator-open.ts).
  const backends = ['@aws-sdk/client-s3', '@aws-sdk/lib-storage', 'pg', 'ioredis'];
  const cli = await packagesLoaded(path.join(SRC, 'cli/main.ts'));
  assert.ok(cli.has('zod') && cli.has('pino'), `the walk follows static imports: ${[...cli].join(', ')}`);
  assert.deepEqual(
    [...cli].filter((p) => [...backends, 'fastify', 'undici', 'yauzl', 'yazl'].includes(p)),
    [],
  );
  const server = await packagesLoaded(path.join(SRC, 'app/compose.ts'));
  assert.ok(server.has('fastify') && server.has('undici'), `the walk follows static imports: ${[...server].join(', ')}`);
  assert.deepEqual(
    [...server].filter((p) => backends.includes(p)),
    [],
  );
});

test("ARCHITECTURE.md's folder table has exactly one row for each folder of src/", async () => {
  const doc = await readFile(path.resolve('ARCHITECTURE.md'), 'utf8');
  // The first cell of each row names its folders: | `feed/` | … or | `cli/`, `config/` | …
  const named = [...doc.matchAll(/^\| ([^|]*) \|/gm)].flatMap((m) => [...(m[1] as string).matchAll(/`([a-z-]+)\/`/g)].map((f) => f[1] as string));
  const folders = (await readdir(SRC, { withFileTypes: true })).filter((e) => e.isDirectory()).map((e) => e.name);
  assert.deepEqual(
    folders.filter((f) => !named.includes(f)),
    [],
    'folders without a row',
  );
  assert.deepEqual(
    named.filter((f, i) => named.indexOf(f) !== i),
    [],
    'folders with two rows',
  );
});
