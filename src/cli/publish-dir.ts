// A module's files from a directory, as x/mod's zip.CreateFromDir lists them: VCS directories (.git, .hg,
// .svn, .bzr) and nested modules (directories with their own go.mod) are left out, symbolic links and
// other irregular files are marked so writeModuleZip omits them; the zip rules themselves are create-zip.ts's.
// Given the files git tracks (publish-git.ts), only those: what the go command would zip from the commit.
import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ZipFileSource } from '../modzip/create-zip.js';

const VCS_DIRS = new Set(['.bzr', '.git', '.hg', '.svn']);

export async function filesInDir(root: string, tracked?: ReadonlySet<string>): Promise<ZipFileSource[]> {
  const out: ZipFileSource[] = [];
  await walk(root, '', out, tracked);
  return out;
}

async function walk(root: string, rel: string, out: ZipFileSource[], tracked: ReadonlySet<string> | undefined): Promise<void> {
  const dir = path.join(root, rel);
  // Lexical order, as filepath.Walk: the order errors are reported in.
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const slashPath = rel === '' ? e.name : `${rel}/${e.name}`;
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (VCS_DIRS.has(e.name)) continue;
      const goMod = await lstat(path.join(full, 'go.mod')).catch(() => undefined);
      if (goMod?.isFile()) continue;
      await walk(root, slashPath, out, tracked);
      continue;
    }
    if (tracked !== undefined && !tracked.has(slashPath)) continue;
    const st = await lstat(full);
    const kind = st.isFile() ? 'file' : st.isSymbolicLink() ? 'symlink' : 'other';
    out.push({ path: slashPath, kind, size: st.size, open: () => createReadStream(full) });
  }
}
