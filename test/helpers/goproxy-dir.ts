// Builds GOPROXY-layout directories of fixture modules for tests and benchmarks: list, .info, .mod and
// a real module zip per version, with paths case-encoded as the protocol requires.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import yazl from 'yazl';
import { escapePath, escapeVersion } from '../../src/protocol/escape.js';

export interface FixtureVersion {
  readonly version: string;
  /** Files relative to the module root; go.mod is added when absent unless noGoMod. */
  readonly files?: Record<string, string | Buffer>;
  readonly noGoMod?: boolean;
  readonly time?: string;
}

export interface FixtureModule {
  readonly path: string;
  readonly versions: readonly FixtureVersion[];
}

export function goModOf(modulePath: string, files?: Record<string, string | Buffer>): string {
  const given = files?.['go.mod'];
  return given === undefined ? `module ${modulePath}\n\ngo 1.19\n` : given.toString();
}

/** Writes the modules into `root` in GOPROXY layout and returns root. */
export async function writeGoproxyDir(root: string, modules: readonly FixtureModule[]): Promise<string> {
  for (const m of modules) {
    const dir = path.join(root, escapePath(m.path), '@v');
    await mkdir(dir, { recursive: true });
    for (const v of m.versions) {
      const ev = escapeVersion(v.version);
      const mod = v.noGoMod ? `module ${m.path}\n` : goModOf(m.path, v.files);
      const time = v.time ?? '2024-01-02T03:04:05Z';
      await writeFile(path.join(dir, `${ev}.info`), JSON.stringify({ Version: v.version, Time: time }));
      await writeFile(path.join(dir, `${ev}.mod`), mod);
      const files: Record<string, string | Buffer> = { ...(v.files ?? {}) };
      if (!v.noGoMod && files['go.mod'] === undefined) files['go.mod'] = mod;
      await writeZip(path.join(dir, `${ev}.zip`), `${m.path}@${v.version}/`, files);
    }
    await writeFile(path.join(dir, 'list'), m.versions.map((v) => `${v.version}\n`).join(''));
  }
  return root;
}

export async function writeZip(file: string, prefix: string, files: Record<string, string | Buffer>): Promise<void> {
  const zip = new yazl.ZipFile();
  for (const [name, content] of Object.entries(files)) {
    zip.addBuffer(Buffer.isBuffer(content) ? content : Buffer.from(content), prefix + name, { mtime: new Date(0) });
  }
  zip.end();
  const out = createWriteStream(file);
  zip.outputStream.pipe(out);
  await once(out, 'close');
}

/** A small program module and a library it imports: enough for `go build` through a proxy. */
export function sampleModules(): FixtureModule[] {
  const lib = (v: string, greeting: string): FixtureVersion => ({
    version: v,
    files: { 'greet.go': `package lib\n\n// Hello greets.\nfunc Hello() string { return ${JSON.stringify(greeting)} }\n`, LICENSE: 'MIT\n' },
  });
  return [
    { path: 'example.com/lib', versions: [lib('v1.0.0', 'hello v1.0.0'), lib('v1.1.0', 'hello v1.1.0'), lib('v1.2.0-rc.1', 'hello rc')] },
    {
      path: 'example.com/Upper/Case',
      versions: [{ version: 'v0.1.0', files: { 'case.go': 'package upper\n\nconst Name = "Upper"\n' } }],
    },
    {
      path: 'example.com/old',
      versions: [
        { version: 'v1.0.0', noGoMod: true, files: { 'old.go': 'package old\n\nconst V = 1\n' } },
        { version: 'v2.0.0+incompatible', noGoMod: true, files: { 'old.go': 'package old\n\nconst V = 2\n' } },
      ],
    },
  ];
}
