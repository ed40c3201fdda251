// The code-host layer over one mirror, as cmd/go's codehost gitRepo: resolving a revision (tag, branch,
// HEAD, hash prefix), commit times and tags, reading files at a commit, tag ancestry for pseudo-versions.
import { createHash } from 'node:crypto';
import { goQuote } from '../protocol/go-quote.js';
import { isPseudoVersion } from '../protocol/pseudo.js';
import * as semver from '../protocol/semver.js';
import { GitError, GitOutputTooLargeError, GitStoppedError, isFullHash, isGitDiskFull, isSafeRefName } from './git-run.js';
import type { GitMirror, RefMap } from './mirror.js';

/** A resolved commit (codehost.RevInfo). */
export interface RevInfo {
  /** Full commit hash. */
  readonly name: string;
  /** The 12-digit short hash of pseudo-versions. */
  readonly short: string;
  readonly time: Date;
  /** The requested tag when the revision was asked for by that tag, else the full hash. */
  readonly version: string;
  /** Tags pointing at the commit, sorted. */
  readonly tags: readonly string[];
  /** The ref used to resolve the revision (`refs/heads/main`, `refs/tags/v1.0.0`, `HEAD`), if any. */
  readonly ref?: string;
}

/** The revision does not name anything in the repository (maps to 404). */
export class UnknownRevisionError extends Error {
  constructor(rev: string) {
    super(`unknown revision ${rev}`);
    this.name = 'UnknownRevisionError';
  }
}

/** A file read with a size limit turned out larger: a property of the version, not a git failure. */
export class FileTooLargeError extends Error {
  constructor(
    readonly file: string,
    readonly limit: number,
  ) {
    super(`${file} is larger than ${limit} bytes`);
    this.name = 'FileTooLargeError';
  }
}

const MAX_CACHED_FILES = 4096;
/** At most one fetch per this long for hashes the mirror does not know; requests within it wait (GitRepo.refetch). */
export const REFETCH_GAP_MS = 2_000;
const MAX_CACHED_FILE_SIZE = 256 << 10;

const isHexPrefix = (s: string): boolean => s.length >= 7 && s.length <= 40 && /^[0-9a-f]+$/.test(s);

/** The answers every fill's view of one repository shares. */
class RepoCaches {
  readonly stats = new Map<string, Promise<unknown>>();
  /** File contents by commit and path: immutable, so kept across refreshes (bounded). */
  readonly files = new Map<string, Promise<Buffer | undefined>>();
  /** The refs the cached answers were computed from: a refresh of the mirror makes new ones. */
  cachedFor: RefMap | undefined;
}

export class GitRepo {
  constructor(
    readonly mirror: GitMirror,
    /** The repository URL before any rewrite, as reported in Origin. */
    readonly remoteUrl: string,
    /**
     * The cut of the fill this view works for (GitRunOptions.cut), handed to every git call it makes, also to
     * answers it computes that other fills then share (as a cut comes only at shutdown, to every fill started
     * before it at once, those are fills nobody waits for either).
     */
    readonly cut?: AbortSignal,
    private readonly caches = new RepoCaches(),
  ) {}

  /** The same repository, with the same cached answers, for one fill's work: its git calls end when `cut` aborts. */
  forFill(cut: AbortSignal | undefined): GitRepo {
    return cut === this.cut ? this : new GitRepo(this.mirror, this.remoteUrl, cut, this.caches);
  }

  refs(): Promise<RefMap> {
    return this.mirror.refs(this.cut);
  }

  /** Tags starting with prefix, as {name, hash}, sorted by name. */
  async tags(prefix: string): Promise<Array<{ name: string; hash: string }>> {
    const out: Array<{ name: string; hash: string }> = [];
    for (const [ref, hash] of await this.refs()) {
      if (ref.startsWith('refs/tags/') && ref.startsWith(prefix, 'refs/tags/'.length)) out.push({ name: ref.slice('refs/tags/'.length), hash });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** The Origin TagSum of the tags with prefix: "t1:" + SHA-256 over `%q %s\n` lines of the semver-like ones. */
  async tagSum(prefix: string): Promise<string> {
    const dir = prefix.slice(0, prefix.lastIndexOf('/') + 1);
    const h = createHash('sha256');
    for (const tag of await this.tags(prefix)) {
      const t = tag.name.startsWith(dir) ? tag.name.slice(dir.length) : tag.name;
      const c = semver.canonical(t);
      if (c !== '' && t.startsWith(c) && !isPseudoVersion(t)) h.update(`${goQuote(tag.name)} ${tag.hash}\n`);
    }
    return `t1:${h.digest('base64')}`;
  }

  /** codehost Stat: the order of gitRepo.stat, against a mirror that already holds every branch and tag. */
  async stat(rev: string): Promise<RevInfo> {
    const stat = () => this.memo(`stat:${rev}`, (refs) => this.resolve(rev, refs));
    try {
      return await stat();
    } catch (err) {
      // A hash the mirror does not know may have been pushed since its last fetch (refs are fetched once per
      // refresh interval): the go command fetches the refs for a hash it does not know, and so does this, once.
      if (!(err instanceof UnknownRevisionError) || !isHexPrefix(rev)) throw err;
      await this.refetch();
      return stat().catch((again: unknown) => {
        throw again instanceof UnknownRevisionError ? (this.failedFetch() ?? again) : again;
      });
    }
  }

  /**
   * The error of the mirror's last fetch when it failed: that fetch (this request's, or one within REFETCH_GAP_MS)
   * would have brought a commit pushed since, so not finding it says nothing about the repository. Its failure is
   * the answer (the remote unreachable: 502, timed out: 504, our own full disk: 503; direct-source.ts), not a 404
   * that the go command and the not-found cache would take as the repository's word.
   */
  private failedFetch(): GitError | undefined {
    const failure = this.mirror.fetchFailure;
    return failure instanceof GitError ? failure : undefined;
  }

  /**
   * Fetches the refs again, inside the refresh interval, with a fetch that starts after this call: one that started
   * before it may predate the push. At most one such fetch per REFETCH_GAP_MS (GitMirror.fetchAgain): a request
   * within the gap waits for the next fetch it allows, shared by every request waiting, and is answered from it.
   */
  private refetch(): Promise<void> {
    return this.mirror.fetchAgain(REFETCH_GAP_MS, this.cut);
  }

  /**
   * Remembers an answer that depends on the refs (revisions, version lists) until the next refresh of the
   * mirror changes them; failures are not remembered.
   */
  async memo<T>(key: string, compute: (refs: RefMap) => Promise<T>): Promise<T> {
    const refs = await this.refs();
    const caches = this.caches;
    if (refs !== caches.cachedFor) {
      caches.stats.clear();
      caches.cachedFor = refs;
    }
    let p = caches.stats.get(key) as Promise<T> | undefined;
    if (p === undefined) {
      p = compute(refs);
      caches.stats.set(key, p);
      p.catch(() => caches.stats.delete(key));
    }
    return p;
  }

  private async resolve(rev: string, refs: RefMap): Promise<RevInfo> {
    // Nothing that git could read as an option, a range or a path reaches it.
    if (rev !== 'HEAD' && !isSafeRefName(rev)) throw new UnknownRevisionError(rev);
    let ref: string;
    let hash: string | undefined;
    if (refs.has(`refs/tags/${rev}`)) {
      ref = `refs/tags/${rev}`;
      hash = refs.get(ref);
    } else if (refs.has(`refs/heads/${rev}`)) {
      ref = `refs/heads/${rev}`;
      hash = refs.get(ref);
    } else if (rev === 'HEAD' && refs.has('HEAD')) {
      ref = 'HEAD';
      hash = refs.get(ref);
    } else if (isHexPrefix(rev)) {
      return this.statHash(rev, refs);
    } else {
      throw new UnknownRevisionError(rev);
    }
    if (hash === undefined || !isFullHash(hash)) throw new UnknownRevisionError(rev);
    const version = ref.startsWith('refs/tags/') ? rev : hash;
    return { ...(await this.statLocal(version, hash, refs)), ref };
  }

  /**
   * A hash prefix, as a fresh go command resolves it: against the ref tips first (Origin.Ref is then the
   * smallest ref name at that commit), then among all commits of the mirror.
   */
  private async statHash(rev: string, refs: RefMap): Promise<RevInfo> {
    let ref: string | undefined;
    let hash: string | undefined;
    for (const [name, h] of refs) {
      if (!h.startsWith(rev)) continue;
      if (hash !== undefined && hash !== h) throw new UnknownRevisionError(`${rev} (ambiguous revision)`);
      hash = h;
      if (ref === undefined || ref > name) ref = name;
    }
    if (hash === undefined) return this.statLocal(rev, rev, refs);
    const info = await this.statLocal(rev, hash, refs);
    return ref === undefined ? info : { ...info, ref };
  }

  /** git log -n1 on a full hash or hash prefix: the commit's hash, committer time and tags. */
  private async statLocal(version: string, rev: string, refs: RefMap): Promise<RevInfo> {
    const fast = await this.commitTime(rev);
    let out: string;
    try {
      if (fast !== undefined) out = fast;
      else
        out = (
          await this.mirror.git(['-c', 'log.showsignature=false', 'log', '--no-decorate', '-n1', '--format=format:%H %ct', `${rev}^{commit}`, '--'], {
            cut: this.cut,
          })
        ).toString('utf8');
    } catch (err) {
      // A timeout, our own full disk (a lazy fetch had nowhere to go), or the shutdown's cut (of the fill whose
      // answer others share: a cut read of the commit comes here too) says nothing about the revision.
      if (err instanceof GitStoppedError || (err instanceof GitError && (err.timedOut || isGitDiskFull(err)))) throw err;
      throw new UnknownRevisionError(rev);
    }
    const [hash, ct] = out.trim().split(' ');
    if (hash === undefined || !isFullHash(hash) || ct === undefined) throw new Error(`unexpected response from git log: ${JSON.stringify(out)}`);
    const tags: string[] = [];
    for (const [r, h] of refs) if (h === hash && r.startsWith('refs/tags/')) tags.push(r.slice('refs/tags/'.length));
    tags.sort();
    return {
      name: hash,
      short: hash.slice(0, 12),
      time: new Date(Number(ct) * 1000),
      version: tags.includes(version) ? version : hash,
      tags,
    };
  }

  /**
   * `%H %ct` of a commit read through the mirror's cat-file process; undefined (so git log decides) when
   * that does not give a plain answer.
   */
  private async commitTime(rev: string): Promise<string | undefined> {
    const obj = await this.mirror.readObject(`${rev}^{commit}`, this.cut).catch(() => undefined);
    if (obj === undefined || obj.type !== 'commit') return undefined;
    const head = obj.data.subarray(0, Math.max(0, obj.data.indexOf('\n\n'))).toString('utf8');
    const m = /^committer .*> (\d+) [+-]\d{4}$/m.exec(head);
    return m === null ? undefined : `${obj.oid} ${m[1]}`;
  }

  /** codehost Latest: the commit of the remote's HEAD. */
  async latest(): Promise<RevInfo> {
    const head = (await this.refs()).get('HEAD');
    if (head === undefined) throw new UnknownRevisionError('HEAD (no commits)');
    return { ...(await this.stat(head)), ref: 'HEAD' };
  }

  /** A file's bytes at a commit; undefined when the path is not a file there. Larger than max is a FileTooLargeError. */
  readFile(commit: string, file: string, max: number): Promise<Buffer | undefined> {
    const key = `${commit}:${max}:${file}`;
    const files = this.caches.files;
    let p = files.get(key);
    if (p === undefined) {
      p = this.readFileUncached(commit, file, max);
      if (files.size >= MAX_CACHED_FILES) files.delete(files.keys().next().value as string);
      files.set(key, p);
      p.then(
        (b) => {
          if (b !== undefined && b.length > MAX_CACHED_FILE_SIZE) files.delete(key);
        },
        () => files.delete(key),
      );
    }
    return p;
  }

  private async readFileUncached(commit: string, file: string, max: number): Promise<Buffer | undefined> {
    // `<hash>:<path>` resolves through the (always local) trees, as ls-tree does; anything unusual takes the slow path.
    if (isFullHash(commit) && file !== '' && !/[\n\r\0]|^\.{0,2}\/|\/$/.test(file)) {
      if (file === 'go.mod' || file.endsWith('/go.mod')) await this.mirror.prefetchGoMods(this.cut);
      const obj = await this.mirror.readObject(`${commit}:${file}`, this.cut);
      if (obj !== undefined && obj.type !== 'blob') return undefined;
      if (obj !== undefined && obj.data.length > max) throw new FileTooLargeError(file, max);
      if (obj !== undefined) return obj.data;
      // "missing" is either no such file or a blob git could not fetch: the slow path tells them apart (and fails on the latter).
    }
    const entry = await this.lsTree(commit, file);
    if (entry === undefined || entry.type !== 'blob') return undefined;
    return this.mirror.git(['cat-file', 'blob', entry.oid], { maxOutput: max, cut: this.cut }).catch((err: unknown) => {
      throw err instanceof GitOutputTooLargeError ? new FileTooLargeError(file, max) : err;
    });
  }

  /** One tree entry by exact path. Trees are always local, so "absent" here is definitive (no network). */
  private async lsTree(commit: string, file: string): Promise<{ type: string; oid: string } | undefined> {
    const out = (await this.mirror.git(['ls-tree', '-z', '--full-tree', commit, '--', file], { cut: this.cut })).toString('utf8');
    for (const rec of out.split('\0')) {
      const tab = rec.indexOf('\t');
      if (tab < 0 || rec.slice(tab + 1) !== file) continue;
      const [, type, oid] = rec.slice(0, tab).split(' ');
      if (type !== undefined && oid !== undefined) return { type, oid };
    }
    return undefined;
  }

  /** codehost RecentTag: the highest allowed tag (with prefix) among the commit's ancestors, or ''. */
  async recentTag(commit: string, prefix: string, allowed: (tag: string) => boolean, compare: (a: string, b: string) => number): Promise<string> {
    const out = (await this.mirror.git(['for-each-ref', '--format=%(refname)', 'refs/tags', '--merged', commit], { cut: this.cut })).toString('utf8');
    let highest = '';
    for (const line of out.split('\n')) {
      if (!line.startsWith('refs/tags/')) continue;
      const tag = line.slice('refs/tags/'.length);
      if (!tag.startsWith(prefix) || !allowed(tag)) continue;
      if (compare(tag.slice(prefix.length), highest) > 0) highest = tag.slice(prefix.length);
    }
    return highest === '' ? '' : prefix + highest;
  }

  /**
   * Whether a branch or tag contains the commit. The go command fetches only those (never a loose hash), so a
   * commit reachable from nothing else (a pull-request ref, a deleted branch) is an unknown revision to it, even
   * where a partial clone would fetch the object on demand or a mirror still holds it.
   */
  async reachable(commit: string): Promise<boolean> {
    const onRef = async () => (await this.mirror.git(['rev-list', '-n1', commit, '--not', '--branches', '--tags'], { cut: this.cut })).length === 0;
    if (await onRef()) return true;
    // The refs may predate a push of it (a full hash reads through the partial clone): fetched once more, as above.
    await this.refetch();
    if (await onRef()) return true;
    const failed = this.failedFetch();
    if (failed !== undefined) throw failed;
    return false;
  }

  /** codehost DescendsFrom: whether the tag is an ancestor of (or is) the commit. */
  async descendsFrom(commit: string, tag: string): Promise<boolean> {
    try {
      await this.mirror.git(['merge-base', '--is-ancestor', '--', `refs/tags/${tag}`, commit], { cut: this.cut });
      return true;
    } catch (err) {
      if (err instanceof GitError && err.exitCode === 1) return false;
      throw err;
    }
  }

  /** Blob ids and sizes of the files under dir (plus any extra root paths) at a commit, for prefetching. */
  async blobsUnder(commit: string, dir: string, extra: readonly string[]): Promise<Set<string>> {
    const args = ['ls-tree', '-r', '-z', '--full-tree', commit, '--'];
    const out = (await this.mirror.git(dir === '' ? args : [...args, dir, ...extra], { cut: this.cut })).toString('utf8');
    const oids = new Set<string>();
    for (const rec of out.split('\0')) {
      const [, type, oid] = rec.slice(0, rec.indexOf('\t')).split(' ');
      if (type === 'blob' && oid !== undefined) oids.add(oid);
    }
    return oids;
  }
}
