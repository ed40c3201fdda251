// Benchmark data in GOPROXY layout: modules whose zips hold incompressible random bytes of a chosen size
// (stored, not deflated, so zip size ≈ content size), and a synthetic graph of modules for cold fills.
import { randomFillSync } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import yazl from 'yazl';
import { escapePath, escapeVersion } from '../src/protocol/escape.js';

const CHUNK = 1 << 20;
/** Largest single file in a generated zip; big zips are split into several entries. */
const MAX_ENTRY = 64 << 20;
const TIME = '2024-01-02T03:04:05Z';

export interface ModuleSpec {
  readonly path: string;
  readonly version: string;
  /** Approximate zip size in bytes (random payload). */
  readonly zipBytes: number;
  readonly requires?: ReadonlyArray<{ path: string; version: string }>;
  /** Go source put in the zip so the module is a real package. */
  readonly goSource?: string;
}

function randomStream(bytes: number): Readable {
  let left = bytes;
  return new Readable({
    read() {
      if (left <= 0) return void this.push(null);
      const n = Math.min(CHUNK, left);
      left -= n;
      this.push(randomFillSync(Buffer.allocUnsafe(n)));
    },
  });
}

export function goModText(m: ModuleSpec): string {
  const req = (m.requires ?? []).map((r) => `\t${r.path} ${r.version}\n`).join('');
  return `module ${m.path}\n\ngo 1.19\n${req === '' ? '' : `\nrequire (\n${req})\n`}`;
}

/** Writes `.info`, `.mod` and `.zip` of one version under `root` (the list is written by writeLists). */
export async function writeModule(root: string, m: ModuleSpec): Promise<void> {
  const dir = path.join(root, escapePath(m.path), '@v');
  await mkdir(dir, { recursive: true });
  const ev = escapeVersion(m.version);
  const goMod = goModText(m);
  await writeFile(path.join(dir, `${ev}.info`), JSON.stringify({ Version: m.version, Time: TIME }));
  await writeFile(path.join(dir, `${ev}.mod`), goMod);
  const zip = new yazl.ZipFile();
  const prefix = `${m.path}@${m.version}/`;
  const opts = { mtime: new Date(0), compress: false };
  zip.addBuffer(Buffer.from(goMod), `${prefix}go.mod`, opts);
  const pkg = m.path.slice(m.path.lastIndexOf('/') + 1).replace(/[^a-z0-9]/g, '') || 'p';
  zip.addBuffer(Buffer.from(m.goSource ?? `package ${pkg}\n\n// Name names the package.\nconst Name = "${m.path}"\n`), `${prefix}${pkg}.go`, opts);
  for (let left = m.zipBytes, i = 0; left > 0; left -= MAX_ENTRY, i++) {
    const n = Math.min(MAX_ENTRY, left);
    zip.addReadStream(randomStream(n), `${prefix}testdata/blob${i}.bin`, { ...opts, size: n });
  }
  zip.end();
  const out = createWriteStream(path.join(dir, `${ev}.zip`));
  zip.outputStream.pipe(out);
  await finished(out);
}

/** Writes `@v/list` for every module path among `mods`. */
export async function writeLists(root: string, mods: readonly ModuleSpec[]): Promise<void> {
  const byPath = new Map<string, string[]>();
  for (const m of mods) byPath.set(m.path, [...(byPath.get(m.path) ?? []), m.version]);
  for (const [p, versions] of byPath) await writeFile(path.join(root, escapePath(p), '@v', 'list'), versions.map((v) => `${v}\n`).join(''));
}

export async function writeModules(root: string, mods: readonly ModuleSpec[]): Promise<void> {
  for (const m of mods) await writeModule(root, m);
  await writeLists(root, mods);
}

/**
 * A dependency graph of `n` modules with two versions each: v1.1.0 of module i requires a few modules
 * after it (some at v1.0.0), like a real build list. Every go.mod says go 1.19, so the graph is pruned: the
 * go command reads the go.mod of each version the main module requires and none of the v1.0.0 ones.
 */
export function graphModules(n: number, prefix = 'bench.example/graph'): ModuleSpec[] {
  const name = (i: number) => `${prefix}/m${String(i).padStart(3, '0')}`;
  const mods: ModuleSpec[] = [];
  let seed = 12345;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
  for (let i = 0; i < n; i++) {
    const requires = [1, 7, 31]
      .map((d) => i + d)
      .filter((j) => j < n)
      .map((j, k) => ({ path: name(j), version: k === 0 ? 'v1.1.0' : 'v1.0.0' }));
    // Zip sizes from 4 KB to ~260 KB, skewed small as on proxy.golang.org.
    const zipBytes = Math.round(4096 + 256 * 1024 * rnd() ** 3);
    mods.push({ path: name(i), version: 'v1.0.0', zipBytes: 2048 });
    mods.push({ path: name(i), version: 'v1.1.0', zipBytes, requires });
  }
  return mods;
}

/** go.mod of a main module requiring every graph module at its newest version (Go ≥ 1.17 style). */
export function mainGoMod(mods: readonly ModuleSpec[]): string {
  const newest = mods.filter((m) => m.version === 'v1.1.0');
  return `module bench.example/main\n\ngo 1.19\n\nrequire (\n${newest.map((m) => `\t${m.path} ${m.version}\n`).join('')})\n`;
}
