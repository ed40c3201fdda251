// One bare mirror per repository URL under <data>/vcs: fetched with a blob filter where the server allows,
// refreshed at most once per interval with one fetch at a time, and read with plain local git commands.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { unlimited } from '../upstream/either-signal.js';
import { CatFileBatch } from './cat-file-batch.js';
import type { BatchObject } from './cat-file-batch.js';
import { GitError, isFullHash, runGit } from './git-run.js';
import { hasAtomicFetch } from './git-version.js';
import { missingGoMods } from './go-mod-prefetch.js';
import { NextFetch } from './next-fetch.js';

export interface MirrorOptions {
  /** Directory holding the mirrors (<data>/vcs). */
  readonly root: string;
  readonly refreshIntervalMs: number;
  readonly timeoutMs: number;
  /** Fetch with --filter=blob:none (git falls back to a full fetch when the server does not allow it). */
  readonly partialClone: boolean;
  /** The clock the refresh interval is measured with (tests move it instead of sleeping). */
  readonly now?: () => number;
}

/** Full ref name (`refs/tags/v1.0.0`, `refs/heads/main`, `HEAD`) → commit hash, annotated tags peeled. */
export type RefMap = ReadonlyMap<string, string>;

const REMOTE_HEAD = 'refs/gmp/remote-head';
/** More missing blobs than this in one background prefetch and it is skipped (the zip fetches what it needs). */
const MAX_SPECULATIVE_BLOBS = 1000;
const ATTRIBUTES = '* -export-subst -export-ignore\n';
/** How long a closing mirror lets its cat-file reader answer what it owes before killing it. */
const CLOSE_GRACE_MS = 2000;

export class GitMirror {
  private lastFetch = 0;
  /** When the latest fetch started, one running now included (lastFetch changes only once a fetch is over). */
  private lastStart = Number.NEGATIVE_INFINITY;
  /** The fetch that requests for something the refs do not hold wait for (fetchAgain). */
  private readonly next = new NextFetch();
  private fetched = false;
  private expired = false;
  private catchingUp: Promise<void> | undefined;
  private fetching: Promise<void> | undefined;
  private network: Promise<unknown> = Promise.resolve();
  private refCache: RefMap | undefined;
  /** Why the last fetch failed, while the mirror serves the refs it had; undefined once one works. */
  private failure: unknown;
  private batch: CatFileBatch | undefined;
  /** The go.mod prefetch since the last fetch, started by the first go.mod read. */
  private goMods: Promise<void> | undefined;
  /** Commits hinted by prefetchSoon, waiting for the background fetch; and those already handled. */
  private readonly soon = new Set<string>();
  private readonly warmed = new Set<string>();
  private soonRunning = false;
  /** Tips whose go.mod blobs (and those of their history) were already looked for. */
  private readonly scanned = new Set<string>();
  /** How many times the remote was fetched: observable so tests can check the refresh policy. */
  fetchCount = 0;
  /**
   * Aborted by close(): ends the git calls still running (background prefetches) and refuses new ones. Every call
   * running listens to it (and drops its listener when it ends): no listener limit, or Node prints a
   * MaxListenersExceededWarning to stderr from the 11th call at once on one mirror.
   */
  private readonly closing = unlimited(new AbortController());

  constructor(
    readonly url: string,
    readonly dir: string,
    private readonly opts: MirrorOptions,
    /** Per-host settings (credentials) for every call, since lazy blob fetches can happen in any command. */
    private readonly config: ReadonlyArray<readonly [string, string]> = [],
  ) {}

  private now(): number {
    return (this.opts.now ?? Date.now)();
  }

  /**
   * At shutdown: stops the background prefetches (a fetch killed midway leaves only git's temporary pack
   * files, which git ignores and removes), lets the cat-file reader exit, and resolves once no git process of
   * this mirror runs any more, so that nothing writes into it afterwards.
   */
  async close(): Promise<void> {
    this.soon.clear();
    this.closing.abort();
    await Promise.all([this.batch?.retireAndWait(CLOSE_GRACE_MS), this.network]);
  }

  /**
   * Runs git inside the mirror. `cut`, here and below: the cut of the fill the work is for (GitRunOptions.cut); work
   * that fill starts and others then share (a fetch, a prefetch) runs under it too, which is right as a cut comes
   * only at shutdown, to every fill started before it at once.
   */
  git(args: readonly string[], extra: { input?: string; maxOutput?: number; cut?: AbortSignal } = {}): Promise<Buffer> {
    return runGit(args, { cwd: this.dir, timeoutMs: this.opts.timeoutMs, config: this.config, signal: this.closing.signal, ...extra }).then((r) => r.stdout);
  }

  /** Reads one object (`<hash>:<path>`, `<prefix>^{commit}`) through the mirror's long-lived cat-file process. */
  readObject(name: string, cut?: AbortSignal): Promise<BatchObject | undefined> {
    this.batch ??= new CatFileBatch(this.dir, this.opts.timeoutMs, this.config);
    return this.batch.read(name, cut);
  }

  /** Whether the last fetch started less than ms ago. */
  private fetchedWithin(ms: number): boolean {
    return this.fetched && this.now() - this.lastFetch < ms;
  }

  /**
   * Why the last fetch failed (the mirror then serves the refs it had), or undefined when it worked: refs that
   * fetch would have updated cannot say that a commit pushed since does not exist.
   */
  get fetchFailure(): unknown {
    return this.failure;
  }

  /**
   * A fetch that starts after this call, for what only a fetch could bring (a commit pushed since the last one),
   * but not sooner than `gapMs` after the fetch before it started: requests for made-up hashes must not turn into
   * a fetch each from the git host. Every call made before that fetch starts shares it, and a fetch someone else
   * starts meanwhile (the refresh interval, a webhook) is theirs as well. The wait ends at once, failing, when
   * `cut` aborts or the mirror closes; it is at most `gapMs`, and the fetch after it has git's own time limit.
   */
  fetchAgain(gapMs: number, cut?: AbortSignal): Promise<void> {
    const start = (): void => {
      this.expire();
      this.refresh(cut).catch(() => undefined);
    };
    return this.next.join(Math.max(0, this.lastStart + gapMs - this.now()), start, [
      { signal: this.closing.signal, why: 'the repository is closing' },
      { signal: cut, why: 'the fill was cut' },
    ]);
  }

  /** Makes the next refresh fetch whatever the interval says: a push was announced (a refresh webhook). */
  expire(): void {
    this.expired = true;
  }

  /** Fetches when the last fetch is older than the refresh interval; concurrent callers share one fetch. */
  async refresh(cut?: AbortSignal): Promise<void> {
    if (this.expired) {
      this.expired = false;
      // A fetch running now may predate the push: let it end, then fetch again. Until that fetch is done,
      // every caller waits for it (an interval refresh lets them read the old refs meanwhile).
      const before = this.fetching?.catch(() => undefined);
      this.catchingUp = (async () => {
        await before;
        await this.startFetch(cut);
      })().finally(() => {
        this.catchingUp = undefined;
      });
    }
    if (this.catchingUp !== undefined) return this.catchingUp;
    if (this.fetchedWithin(this.opts.refreshIntervalMs)) return;
    await this.startFetch(cut);
  }

  private startFetch(cut: AbortSignal | undefined): Promise<void> {
    if (this.fetching !== undefined) return this.fetching;
    this.lastStart = this.now();
    this.fetching = this.fetch(cut).finally(() => {
      this.fetching = undefined;
    });
    this.next.started(this.fetching);
    return this.fetching;
  }

  /** The mirror's refs, as the go command reads them from `git ls-remote` (after a refresh). */
  async refs(cut?: AbortSignal): Promise<RefMap> {
    await this.refresh(cut);
    if (this.refCache !== undefined) return this.refCache;
    const out = await this.git(['for-each-ref', '--format=%(refname) %(objectname) %(*objectname) %(*objecttype)', 'refs/heads', 'refs/tags', REMOTE_HEAD], {
      cut,
    });
    const refs = new Map<string, string>();
    // `%(*objectname)` peels one level; a tag of a tag is peeled the rest of the way below, as ls-remote's `^{}` is.
    const nested: string[] = [];
    for (const line of out.toString('utf8').split('\n')) {
      const [name, hash, peeled, peeledType] = line.split(' ');
      if (name === undefined || hash === undefined || !isFullHash(hash)) continue;
      refs.set(name === REMOTE_HEAD ? 'HEAD' : name, peeled !== undefined && isFullHash(peeled) ? peeled : hash);
      if (peeledType === 'tag') nested.push(name);
    }
    if (nested.length > 0) {
      const peeled = (await this.git(['rev-parse', ...nested.map((name) => `${name}^{}`)], { cut })).toString('utf8').trim().split('\n');
      nested.forEach((name, i) => {
        const hash = peeled[i];
        if (hash !== undefined && isFullHash(hash)) refs.set(name === REMOTE_HEAD ? 'HEAD' : name, hash);
      });
    }
    this.refCache = refs;
    return refs;
  }

  /** Serialises network operations on this repository (the fetch and blob prefetches). */
  private exclusive<T>(op: () => Promise<T>): Promise<T> {
    const run = this.network.then(op, op);
    this.network = run.catch(() => undefined);
    return run;
  }

  private async fetch(cut: AbortSignal | undefined): Promise<void> {
    const attempt = this.now();
    try {
      await this.exclusive(async () => {
        await this.init(cut);
        await this.fetchRefs(cut);
      });
      this.fetched = true;
      this.failure = undefined;
    } catch (err) {
      this.failure = err;
      // A mirror that fetched once keeps serving what it has until the remote is back, also one an earlier
      // process fetched (a restart, or `warm` on the data directory, while the remote is away).
      if (!this.fetched && !(await this.holdsRefs())) throw err;
      this.fetched = true;
    } finally {
      this.lastFetch = attempt;
      this.refCache = undefined;
      this.batch?.retire();
      this.goMods = undefined;
    }
  }

  /**
   * Whether a fetch, of this process or an earlier one, left refs in the mirror (git writes them last). Not under
   * the fetch's cut: a fill that joined a fetch cut at shutdown, but was itself started after the cut, reads them.
   */
  private async holdsRefs(): Promise<boolean> {
    if (!(await exists(path.join(this.dir, 'HEAD')))) return false;
    const out = await this.git(['for-each-ref', '--count=1', '--format=%(refname)', 'refs/heads', 'refs/tags']).catch(() => Buffer.alloc(0));
    return out.length > 0;
  }

  private async fetchRefs(cut: AbortSignal | undefined): Promise<void> {
    this.fetchCount++;
    const base = ['fetch', '--quiet', '--prune', '--force', '--no-write-fetch-head'];
    if (this.opts.partialClone) base.push('--filter=blob:none');
    // All refs or none: ref by ref, a full disk or a kill midway leaves a mix that is served until the next fetch.
    if (await hasAtomicFetch(this.opts.timeoutMs)) base.push('--atomic');
    const specs = ['+refs/heads/*:refs/heads/*', '+refs/tags/*:refs/tags/*'];
    try {
      await this.git([...base, 'origin', ...specs, `+HEAD:${REMOTE_HEAD}`], { cut });
    } catch (err) {
      // An empty repository, or one whose HEAD names no branch, has no HEAD to fetch.
      if (!(err instanceof GitError) || !/couldn't find remote ref HEAD/i.test(err.stderr)) throw err;
      await this.git([...base, 'origin', ...specs], { cut });
      await this.git(['update-ref', '-d', REMOTE_HEAD], { cut });
    }
  }

  /** Creates the bare repository once, in a temp directory renamed into place, so a crash leaves no half mirror. */
  private async init(cut: AbortSignal | undefined): Promise<void> {
    if (await exists(path.join(this.dir, 'HEAD'))) return;
    await mkdir(path.dirname(this.dir), { recursive: true });
    const tmp = `${this.dir}.tmp-${randomBytes(4).toString('hex')}`;
    try {
      await runGit(['init', '--quiet', '--bare', tmp], { timeoutMs: this.opts.timeoutMs, cut });
      await runGit(['config', 'remote.origin.url', this.url], { cwd: tmp, timeoutMs: this.opts.timeoutMs, cut });
      // The go command archives with export-ignore and export-subst switched off (codehost ensureGitAttributes).
      await mkdir(path.join(tmp, 'info'), { recursive: true });
      await writeFile(path.join(tmp, 'info', 'attributes'), ATTRIBUTES);
      await rename(tmp, this.dir);
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /**
   * Before the first go.mod read after a fetch: the go.mod blobs of new tips and recent commits in one request
   * (see go-mod-prefetch.ts), instead of one lazy fetch per read. Never fails.
   */
  prefetchGoMods(cut?: AbortSignal): Promise<void> {
    if (!this.opts.partialClone) return Promise.resolve();
    this.goMods ??= this.exclusive(() => this.fetchGoMods(cut));
    return this.goMods;
  }

  private async fetchGoMods(cut: AbortSignal | undefined): Promise<void> {
    try {
      const wanted = await missingGoMods((args, extra) => this.git(args, { ...extra, cut }), this.scanned);
      if (wanted.length > 0) await this.fetchObjects(wanted, cut);
    } catch {
      // Harmless: reads fall back to git's own lazy fetches.
    }
  }

  private fetchObjects(oids: readonly string[], cut: AbortSignal | undefined): Promise<Buffer> {
    return this.git(
      [
        '-c',
        'fetch.negotiationAlgorithm=noop',
        'fetch',
        '--quiet',
        'origin',
        '--no-tags',
        '--no-write-fetch-head',
        '--recurse-submodules=no',
        '--filter=blob:none',
        '--stdin',
      ],
      { input: oids.map((o) => `${o}\n`).join(''), cut },
    );
  }

  /**
   * A hint that the files of `commit` will probably be asked for (a `.info` usually comes before the `.zip`):
   * its blobs are fetched in the background, with those of the commits hinted meanwhile in one request, and only
   * while they stay few (a large tree waits for the zip's own prefetch, which takes only the module's directory).
   */
  prefetchSoon(commit: string, cut?: AbortSignal): void {
    if (!this.opts.partialClone || !isFullHash(commit) || this.warmed.has(commit) || this.closing.signal.aborted) return;
    this.soon.add(commit);
    if (this.soonRunning) return;
    this.soonRunning = true;
    void this.exclusive(() => this.fetchSoon(cut));
  }

  private async fetchSoon(cut: AbortSignal | undefined): Promise<void> {
    try {
      while (this.soon.size > 0) {
        const commits = [...this.soon];
        this.soon.clear();
        if (this.warmed.size > 10_000) this.warmed.clear();
        for (const c of commits) this.warmed.add(c);
        const out = await this.git(['rev-list', '--objects', '--no-walk', '--missing=print', '--no-object-names', '--stdin'], {
          input: commits.map((c) => `${c}\n`).join(''),
          cut,
        }).catch(() => Buffer.alloc(0));
        const missing = out
          .toString('utf8')
          .split('\n')
          .filter((l) => l.startsWith('?'))
          .map((l) => l.slice(1));
        if (missing.length > 0 && missing.length <= MAX_SPECULATIVE_BLOBS) await this.fetchObjects(missing, cut).catch(() => undefined);
      }
    } finally {
      this.soonRunning = false;
    }
  }

  /**
   * Fetches, in one request, the blobs of `commit` that a partial clone lacks among `wanted` (git would otherwise
   * fetch them one by one during `git archive`). Failure is harmless: git then falls back to its own lazy fetches.
   */
  async prefetchBlobs(commit: string, wanted: ReadonlySet<string> | 'all', cut?: AbortSignal): Promise<void> {
    if (!this.opts.partialClone || (wanted !== 'all' && wanted.size === 0) || !isFullHash(commit)) return;
    await this.exclusive(async () => {
      // rev-list --missing=print lists without fetching; it walks only this commit's tree (--no-walk).
      const out = await this.git(['rev-list', '--objects', '--no-walk', '--missing=print', '--no-object-names', commit], { cut }).catch(() => Buffer.alloc(0));
      const missing = out
        .toString('utf8')
        .split('\n')
        .filter((l) => l.startsWith('?') && (wanted === 'all' || wanted.has(l.slice(1))))
        .map((l) => l.slice(1));
      if (missing.length === 0) return;
      await this.fetchObjects(missing, cut).catch(() => undefined);
    });
  }
}

/** All mirrors of one server, keyed by the URL git fetches from. */
export class MirrorPool {
  private readonly mirrors = new Map<string, GitMirror>();

  constructor(private readonly opts: MirrorOptions) {}

  /** Ref fetches made by all mirrors (lazy blob fetches not counted). */
  get fetches(): number {
    let n = 0;
    for (const m of this.mirrors.values()) n += m.fetchCount;
    return n;
  }

  async close(): Promise<void> {
    await Promise.all([...this.mirrors.values()].map((m) => m.close()));
  }

  get(url: string, config: ReadonlyArray<readonly [string, string]> = []): GitMirror {
    let m = this.mirrors.get(url);
    if (m === undefined) {
      const id = createHash('sha256').update(url).digest('hex').slice(0, 32);
      m = new GitMirror(url, path.join(this.opts.root, id), this.opts, config);
      this.mirrors.set(url, m);
    }
    return m;
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}
