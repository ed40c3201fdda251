// Which go.mod blobs a blob-filtered mirror lacks, found without fetching anything: nearly every request reads
// a go.mod (at a tag tip, or at a recent commit for pseudo-versions), and a partial clone fetches each one lazily.
import { isFullHash } from './git-run.js';

/** Runs git in the mirror (stdin optional) and resolves with stdout. */
export type MirrorGit = (args: readonly string[], extra?: { input?: string; maxOutput?: number }) => Promise<Buffer>;

/** Bounds on one scan, so a repository with a huge history or thousands of tags stays cheap to refresh. */
const MAX_TIPS = 512;
const MAX_HISTORY = 2000;
const MAX_OUTPUT = 256 << 20;

const EMPTY_TREE: Record<number, string> = {
  40: '4b825dc642cb6eb9a060e54bf8d69288fbee4904',
  64: '6ef19b41225c5369f1c104d45d8d85efa9b057b53b14b4b9b939dd74decc5321',
};

/**
 * The missing go.mod blobs of the branch and tag tips (whole trees) and of the newest commits (the files they
 * change), skipping tips in `scanned` and their history; adds the tips it looked at to `scanned`.
 */
export async function missingGoMods(git: MirrorGit, scanned: Set<string>): Promise<string[]> {
  const refs = await git(['for-each-ref', '--format=%(objectname) %(tree) %(*objectname) %(*tree)', 'refs/heads', 'refs/tags']);
  const tips = new Map<string, string>();
  for (const line of refs.toString('utf8').split('\n')) {
    const [c, t, pc, pt] = line.split(' ');
    const [commit, tree] = pc !== undefined && isFullHash(pc) ? [pc, pt] : [c, t];
    if (commit !== undefined && tree !== undefined && isFullHash(commit) && isFullHash(tree) && !scanned.has(commit)) tips.set(commit, tree);
  }
  const newTips = [...tips].slice(-MAX_TIPS);
  if (newTips.length === 0) return [];
  // The newest commits not reachable from tips seen before: their go.mod changes cover recent pseudo-versions.
  const notSeen = [...scanned].map((c) => `^${c}\n`).join('');
  const history = (
    await git(['rev-list', `--max-count=${MAX_HISTORY}`, '--ignore-missing', '--stdin'], {
      input: newTips.map(([c]) => `${c}\n`).join('') + notSeen,
      maxOutput: MAX_OUTPUT,
    })
  )
    .toString('utf8')
    .split('\n')
    .filter(isFullHash);
  // diff-tree --stdin: "<empty tree> <tree>" lists a whole tree, "<commit>" its changes; trees are local, no blob is read.
  const input = [...newTips.map(([, tree]) => `${EMPTY_TREE[tree.length] ?? ''} ${tree}\n`), ...history.map((c) => `${c}\n`)].join('');
  // Which blobs the mirror lacks, listed (without fetching) alongside.
  const [diff, listed] = await Promise.all([
    git(['diff-tree', '--stdin', '-r', '--root', '--no-renames', '--no-commit-id'], { input, maxOutput: MAX_OUTPUT }),
    git(['rev-list', '--objects', '--no-walk', '--missing=print', '--no-object-names', '--stdin'], {
      input: [...newTips.map(([c]) => `${c}\n`), ...history.map((c) => `${c}\n`)].join(''),
      maxOutput: MAX_OUTPUT,
    }),
  ]);
  const goMods = new Set<string>();
  for (const line of diff.toString('utf8').split('\n')) {
    if (!line.startsWith(':')) continue;
    const tab = line.indexOf('\t');
    const name = line.slice(tab + 1);
    const [, , , oid, status] = line.slice(0, tab).split(' ');
    if (tab > 0 && oid !== undefined && status !== 'D' && (name === 'go.mod' || name.endsWith('/go.mod'))) goMods.add(oid);
  }
  for (const [c] of newTips) scanned.add(c);
  const missing = new Set<string>();
  for (const l of listed.toString('utf8').split('\n')) if (l.startsWith('?')) missing.add(l.slice(1));
  return [...goMods].filter((o) => missing.has(o));
}
