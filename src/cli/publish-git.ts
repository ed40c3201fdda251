// What git says about a directory `publish` zips: inside a git work tree, the go command makes a module zip
// from a commit (git archive), so ignored files (secrets, build output) and untracked files are no part of it,
// and a tracked file changed since the commit would make the published bytes a version no commit has.
import { GitError, runGit } from '../vcs/git-run.js';

export type GitWorkTree =
  /** Not in a git work tree (or no git installed): the directory's files, as zip.CreateFromDir. */
  | { readonly kind: 'none' }
  /** The files git tracks under the directory, slash-separated and relative to it. */
  | { readonly kind: 'clean'; readonly tracked: ReadonlySet<string> }
  /** Changes git has not committed under the directory, as `git status --short` shows them (repository-relative). */
  | { readonly kind: 'dirty'; readonly changes: readonly string[] };

const TIMEOUT_MS = 60_000;

export async function gitWorkTree(dir: string): Promise<GitWorkTree> {
  try {
    const inside = await runGit(['rev-parse', '--is-inside-work-tree'], { cwd: dir, timeoutMs: TIMEOUT_MS });
    if (inside.stdout.toString('utf8').trim() !== 'true') return { kind: 'none' };
  } catch (err) {
    // No git at all, or no repository here: a plain directory. Any other failure (a repository git refuses
    // to read, such as one owned by another user) is told, rather than publishing files git would leave out.
    if (err instanceof GitError && (err.exitCode === null || /not a git repository/i.test(err.stderr))) return { kind: 'none' };
    throw err;
  }
  const status = await runGit(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--', '.'], { cwd: dir, timeoutMs: TIMEOUT_MS });
  const changes = porcelainEntries(status.stdout.toString('utf8'));
  if (changes.length > 0) return { kind: 'dirty', changes };
  const listed = await runGit(['ls-files', '-z', '--cached', '--', '.'], { cwd: dir, timeoutMs: TIMEOUT_MS });
  return {
    kind: 'clean',
    tracked: new Set(
      listed.stdout
        .toString('utf8')
        .split('\0')
        .filter((p) => p !== ''),
    ),
  };
}

/** `XY path` entries of `git status --porcelain=v1 -z`; a rename's or copy's source follows it as an entry of its own. */
function porcelainEntries(out: string): string[] {
  const parts = out.split('\0');
  const entries: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] ?? '';
    if (part === '') continue;
    entries.push(part);
    if (part[0] === 'R' || part[0] === 'C') i++;
  }
  return entries;
}
