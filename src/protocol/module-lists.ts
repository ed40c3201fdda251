// What `gomodproxy bench` asks every endpoint for: a built-in list of popular modules, the modules of a
// go.mod / go.sum / go.work (--from), or a file of module@version lines (--modules).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseGoModLax } from './go-mod-lax.js';
import { canonicalVersion, check, isCanonicalModuleVersion } from './module-path.js';

/** The h1: hashes a go.sum holds for a version's zip and go.mod (either may be missing). */
export interface GoSumHashes {
  readonly zip?: string;
  readonly mod?: string;
}

export interface ModuleVersion {
  readonly path: string;
  readonly version: string;
  /** h1 hashes known from a go.sum, which the answers must match. */
  readonly sums?: GoSumHashes;
}

/** Popular public modules at fixed versions, so every endpoint is asked for the same bytes. */
export const BUILTIN_MODULES: readonly string[] = [
  'golang.org/x/text@v0.14.0',
  'golang.org/x/mod@v0.14.0',
  'golang.org/x/net@v0.19.0',
  'golang.org/x/sys@v0.15.0',
  'github.com/google/uuid@v1.6.0',
  'github.com/pkg/errors@v0.9.1',
  'github.com/stretchr/testify@v1.8.4',
  'github.com/spf13/cobra@v1.8.0',
  'github.com/sirupsen/logrus@v1.9.3',
  'gopkg.in/yaml.v3@v3.0.1',
  'github.com/gin-gonic/gin@v1.9.1',
  'go.uber.org/zap@v1.26.0',
  'google.golang.org/protobuf@v1.31.0',
  'github.com/BurntSushi/toml@v1.3.2',
  'github.com/davecgh/go-spew@v1.1.1',
  'github.com/golang/protobuf@v1.5.3',
];

export class WorkloadError extends Error {}

function mv(p: string, version: string, where: string): ModuleVersion {
  const bad = check(p, version);
  const at = where === '' ? '' : `${where}: `;
  if (bad !== undefined) throw new WorkloadError(`${at}${bad}`);
  // Proxies serve only canonical versions (§1.3); v1.2 would be asked for as v1.2.0 anyway.
  if (!isCanonicalModuleVersion(version)) throw new WorkloadError(`${at}${p}@${version}: version is not canonical (${canonicalVersion(version)})`);
  return { path: p, version };
}

/**
 * MODULE@VERSION command-line arguments, each once. A mistake is told as the go command tells it
 * (`example.com/m@v9.0.0: invalid version: …`), without the line number a file's would carry.
 */
export function parseModuleArgs(args: readonly string[]): ModuleVersion[] {
  return dedupe(args.map(parseModuleArg));
}

function parseModuleArg(arg: string): ModuleVersion {
  const at = arg.lastIndexOf('@');
  if (at <= 0 || at === arg.length - 1 || /\s/.test(arg)) throw new WorkloadError(`argument ${JSON.stringify(arg)}: want MODULE@VERSION`);
  return mv(arg.slice(0, at), arg.slice(at + 1), '');
}

/** `module@version` (or `module version`) lines; `#` and `//` start comments. */
export function parseModuleLines(text: string, where = 'modules'): ModuleVersion[] {
  const out: ModuleVersion[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/(#|\/\/).*$/, '').trim();
    if (line === '') return;
    const m = /^(\S+?)(?:@|\s+)(\S+)$/.exec(line);
    if (m === null) throw new WorkloadError(`${where}:${i + 1}: want module@version, got ${JSON.stringify(line)}`);
    out.push(mv(m[1] ?? '', m[2] ?? '', `${where}:${i + 1}`));
  });
  return dedupe(out);
}

/** The require directives of a go.mod as the go command reads a dependency's (modfile.ParseLax), versions canonical. */
export function parseGoModRequires(text: string, where = 'go.mod'): ModuleVersion[] {
  const lax = parseGoModLax(text);
  if (lax.problem !== undefined) throw new WorkloadError(lax.problem.replace(/^go\.mod:/, `${where}:`));
  return dedupe(lax.mod.require.map((r) => mv(r.path, r.version, where)));
}

/** go.sum lines give the module versions and the hashes the endpoints must reproduce. */
export function parseGoSum(text: string, where = 'go.sum'): ModuleVersion[] {
  const byKey = new Map<string, { path: string; version: string; zip?: string; mod?: string }>();
  for (const [i, line] of text.split('\n').entries()) {
    if (line.trim() === '') continue;
    const fields = line.trim().split(/\s+/);
    // As the go command reads a go.sum (modfetch): three fields a line, or the file is malformed.
    if (fields.length !== 3) throw new WorkloadError(`${where}:${i + 1}: malformed go.sum line: wrong number of fields ${fields.length}`);
    const [p, v, h] = fields as [string, string, string];
    // Hashes of other algorithms than h1 are the go command's to ignore too.
    if (!h.startsWith('h1:')) continue;
    const isMod = v.endsWith('/go.mod');
    const version = isMod ? v.slice(0, -'/go.mod'.length) : v;
    const key = `${p}@${version}`;
    const e = byKey.get(key) ?? { ...mv(p, version, where) };
    if (isMod) e.mod = h;
    else e.zip = h;
    byKey.set(key, e);
  }
  return [...byKey.values()].map(({ path: p, version, zip, mod }) => ({ path: p, version, sums: { zip, mod } }));
}

/** go.work: the requires of every `use`d module's go.mod. */
export async function parseGoWork(text: string, dir: string): Promise<ModuleVersion[]> {
  const uses: string[] = [];
  let inBlock = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\/\/.*$/, '').trim();
    if (inBlock) {
      if (line === ')') inBlock = false;
      else if (line !== '') uses.push(line.replace(/^"(.*)"$/, '$1'));
    } else if (/^use\s*\($/.test(line)) inBlock = true;
    else if (line.startsWith('use '))
      uses.push(
        line
          .slice(4)
          .trim()
          .replace(/^"(.*)"$/, '$1'),
      );
  }
  const all: ModuleVersion[] = [];
  for (const u of uses) {
    const file = path.join(dir, u, 'go.mod');
    all.push(...parseGoModRequires(await readFile(file, 'utf8'), file));
  }
  return dedupe(all);
}

/** Reads --from FILE by its name: go.sum, go.work, or otherwise a go.mod. */
export async function loadFrom(file: string): Promise<ModuleVersion[]> {
  const text = await readFile(file, 'utf8');
  const base = path.basename(file);
  if (base.endsWith('.sum')) return parseGoSum(text, file);
  if (base.endsWith('.work')) return parseGoWork(text, path.dirname(file));
  return parseGoModRequires(text, file);
}

function dedupe(list: readonly ModuleVersion[]): ModuleVersion[] {
  const seen = new Set<string>();
  return list.filter((m) => !seen.has(`${m.path}@${m.version}`) && seen.add(`${m.path}@${m.version}`) !== undefined);
}
