// The installed git's release, read once (`git --version`), for fetch options that older releases lack.
import { runGit } from './git-run.js';

/** `git fetch --atomic`: every ref a fetch updates (and, from 2.36, prunes) changes in one transaction. */
const ATOMIC_FETCH: readonly [number, number] = [2, 31];

/** `git version 2.39.5`, `git version 2.39.3 (Apple Git-146)`, `git version 2.39.0.windows.1` → [2, 39]. */
export function parseGitVersion(out: string): readonly [number, number] | undefined {
  const m = /^git version (\d+)\.(\d+)/.exec(out.trim());
  return m === null ? undefined : [Number(m[1]), Number(m[2])];
}

/** Whether a release is `min` or later. */
export function atLeast(version: readonly [number, number] | undefined, min: readonly [number, number]): boolean {
  return version !== undefined && (version[0] > min[0] || (version[0] === min[0] && version[1] >= min[1]));
}

let installed: Promise<readonly [number, number] | undefined> | undefined;

/** Whether the installed git has `fetch --atomic`; asked once per process (again after a failed ask). */
export function hasAtomicFetch(timeoutMs: number): Promise<boolean> {
  installed ??= runGit(['--version'], { timeoutMs }).then(
    (r) => parseGitVersion(r.stdout.toString('utf8')),
    () => {
      installed = undefined;
      return undefined;
    },
  );
  return installed.then((version) => atLeast(version, ATOMIC_FETCH));
}
