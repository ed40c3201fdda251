// Creates a folder and its missing parents, one mkdir each, from the top down. Node's own recursive mkdir
// never returns where mkdir fails with ENOENT under a parent that exists (a path in /proc or /sys: it makes
// the parent again, finds it, and tries the child once more, for ever), so `serve --data /proc/x` hung
// silently. Here every failure but "already there" is the caller's to report.
import { mkdir, stat } from 'node:fs/promises';
import path from 'node:path';

export async function makeDirs(dir: string): Promise<void> {
  const missing: string[] = [];
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      await mkdir(d);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // There already; the folder asked for must be one (a parent that is not fails its child's mkdir).
      if (code === 'EEXIST' && (missing.length > 0 || (await stat(d)).isDirectory())) break;
      // A parent is missing: made first. At the root the error is the answer.
      if (code !== 'ENOENT' || path.dirname(d) === d) throw err;
      missing.push(d);
    }
  }
  for (const d of missing.reverse()) {
    try {
      await mkdir(d);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}
