// The `direct` upstream without the go command: module path → repository (fixed rules, go-get discovery,
// rewrite rules), answers computed from a persistent bare mirror, failures mapped to GOPROXY statuses.
import { stat } from 'node:fs/promises';
import { GmpError, OWN_FAILURE_CODES, gmpError, localIoError } from '../errors.js';
import { ModZipError } from '../modzip/zip-check.js';
import { redactURL } from '../protocol/proxy-list.js';
import { formatList } from '../protocol/answers.js';
import type { FetchedZip, RawSource, SourceOptions } from '../upstream/source.js';
import { CodeRepo, ModuleVersionError } from './code-repo.js';
import { statVersion } from './convert.js';
import type { ModRevInfo } from './convert.js';
import { FileTooLargeError, GitRepo, UnknownRevisionError } from './git-repo.js';
import { GitError, GitStoppedError, gitDiskFull, isFullHash } from './git-run.js';
import { writeZipFromGit } from './git-zip.js';
import { discoverRepoRoot } from './go-get.js';
import type { DiscoveryOptions } from './go-get.js';
import { MirrorPool } from './mirror.js';
import { BlockedAddressError, checkHost } from './net-guard.js';
import { Credentials, parseRewriteRules, rewriteUrl } from './remote-auth.js';
import type { RewriteRule } from './remote-auth.js';
import { RepoRootError, fixedRepoRoot, launchpadRepoRoot, rewriteRepoRoot } from './repo-root.js';
import type { RepoRoot } from './repo-root.js';
import { infoBody } from './info-body.js';

export interface DirectSourceOptions {
  /** Where the bare mirrors live. */
  readonly vcsDir: string;
  readonly refreshIntervalMs: number;
  readonly gitTimeoutMs: number;
  /** `FROM=TO` URL rewrites, like git's insteadOf. */
  readonly rewrite?: readonly string[];
  /** `HOST=bearer:TOKEN`, `HOST=basic:USER:PASSWORD`, `HOST=header:NAME:VALUE`. */
  readonly auth?: readonly string[];
  readonly netrc?: string;
  readonly allowPrivateNetworks?: boolean;
  /** Blob-filtered mirrors (default true). */
  readonly partialClone?: boolean;
  /**
   * The commit the stored `.info` of an exact version names (its Origin.Hash), if any: `.mod` and `.zip` are then
   * made from that commit, so that a tag moved after the `.info` was served cannot mix two commits in one version.
   */
  readonly firstServed?: (modulePath: string, version: string) => Promise<string | undefined>;
  /** A source for a GOPROXY base named by a go-import `mod` entry. */
  readonly proxyFor?: (baseUrl: string) => RawSource;
  /**
   * A fresh path in the instance's scratch area for git's archive of a zip being assembled (Scratch.file: it refuses
   * once the area is sealed at shutdown, so a late zip cannot make the removed area again).
   */
  readonly scratchFile: (label: string) => string;
  /** Tests: the clock of the refresh interval. */
  readonly now?: () => number;
  /** Tests: replaces the HTTP fetch of go-get pages. */
  readonly fetchPage?: DiscoveryOptions['fetchPage'];
}

type Target = { readonly kind: 'git'; readonly repo: CodeRepo } | { readonly kind: 'mod'; readonly source: RawSource };

export class DirectSource implements RawSource {
  readonly name = 'direct';
  private readonly mirrors: MirrorPool;
  private readonly gitRepos = new Map<string, GitRepo>();
  private readonly roots = new Map<string, { at: number; root: Promise<RepoRoot>; cut?: AbortSignal }>();
  private readonly rules: RewriteRule[];
  private readonly credentials: Credentials;

  constructor(private readonly opts: DirectSourceOptions) {
    const root = opts.vcsDir;
    this.mirrors = new MirrorPool({
      root,
      refreshIntervalMs: opts.refreshIntervalMs,
      timeoutMs: opts.gitTimeoutMs,
      partialClone: opts.partialClone ?? true,
      now: opts.now,
    });
    this.rules = parseRewriteRules(opts.rewrite ?? []);
    this.credentials = new Credentials(opts.auth ?? [], opts.netrc);
  }

  list(modulePath: string, opts?: SourceOptions): Promise<Buffer> {
    return this.run(modulePath, async (t) => (t.kind === 'mod' ? t.source.list(modulePath, opts) : Buffer.from(formatList(await t.repo.versions()))), opts);
  }

  info(modulePath: string, query: string, opts?: SourceOptions): Promise<Buffer> {
    return this.run(
      modulePath,
      async (t) => {
        if (t.kind === 'mod') return t.source.info(modulePath, query, opts);
        const info = await statVersion(t.repo, query);
        // The go command usually asks for the zip next: its blobs can travel while it asks about other modules.
        t.repo.code.mirror.prefetchSoon(info.rev.name, t.repo.code.cut);
        return infoBody(t.repo, info, query);
      },
      opts,
    );
  }

  latest(modulePath: string, opts?: SourceOptions): Promise<Buffer> {
    return this.run(
      modulePath,
      async (t) => (t.kind === 'mod' ? t.source.latest(modulePath, opts) : infoBody(t.repo, await statVersion(t.repo, 'latest'), '')),
      opts,
    );
  }

  mod(modulePath: string, version: string, opts?: SourceOptions): Promise<Buffer> {
    return this.run(
      modulePath,
      async (t) => {
        if (t.kind === 'mod') return t.source.mod(modulePath, version, opts);
        await this.exact(t.repo, version);
        return t.repo.goModOf(version, await this.pinned(modulePath, version));
      },
      opts,
    );
  }

  zip(modulePath: string, version: string, file: string, opts?: SourceOptions): Promise<FetchedZip> {
    return this.run(
      modulePath,
      async (t) => {
        if (t.kind === 'mod') return t.source.zip(modulePath, version, file, opts);
        await this.exact(t.repo, version);
        await writeZipFromGit(t.repo, version, file, async () => this.opts.scratchFile('archive.zip'), await this.pinned(modulePath, version));
        return { size: (await stat(file)).size };
      },
      opts,
    );
  }

  /**
   * Makes the next request for the module fetch its repository, whatever --direct-refresh says (a refresh
   * webhook announced a push). Never goes to the network: the repository comes from the fixed rules, the
   * rewrites or an earlier discovery; a repository not mirrored in this process fetches on first use anyway.
   */
  async expire(modulePath: string): Promise<void> {
    const known = this.roots.get(modulePath)?.root.catch(() => undefined);
    const root = fixedRepoRoot(modulePath) ?? rewriteRepoRoot(modulePath, this.rules) ?? (await known);
    if (root?.vcs !== 'git') return;
    this.gitRepos.get(rewriteUrl(root.repo, this.rules) ?? root.repo)?.mirror.expire();
  }

  /** How many times a mirror fetched its refs from a remote (for tests and benchmarks). */
  get mirrorFetches(): number {
    return this.mirrors.fetches;
  }

  async close(): Promise<void> {
    this.roots.clear();
    await this.mirrors.close();
  }

  /** The commit first served for this version, when the stored .info names one (a full hex hash; anything else is ignored). */
  private async pinned(modulePath: string, version: string): Promise<string | undefined> {
    const hash = await this.opts.firstServed?.(modulePath, version);
    return hash !== undefined && isFullHash(hash) ? hash : undefined;
  }

  /** .mod and .zip are asked for canonical versions only, and the version must be exactly what Stat gives. */
  private async exact(repo: CodeRepo, version: string): Promise<ModRevInfo> {
    const info = await statVersion(repo, version);
    if (info.version !== version) throw new ModuleVersionError(repo.modPath, version, `invalid version: resolves to ${info.version}`);
    return info;
  }

  /**
   * A fill's work on the repository. Cut at shutdown (opts.cut, nobody waits for it), it ends at once with the
   * cut's reason, not as a git failure, and the git processes it started are killed: the cut goes down to every
   * git call with the repository's view for this fill (GitRepo.forFill).
   */
  private async run<T>(modulePath: string, op: (t: Target) => Promise<T>, opts?: SourceOptions): Promise<T> {
    const cut = opts?.cut;
    cut?.throwIfAborted();
    try {
      const work = this.target(modulePath, cut).then(op);
      return await (cut === undefined ? work : untilCut(work, cut));
    } catch (err) {
      if (cut?.aborted === true) throw cut.reason;
      throw toGmp(err);
    }
  }

  private async target(modulePath: string, cut: AbortSignal | undefined): Promise<Target> {
    const root = await this.repoRoot(modulePath, cut);
    if (root.vcs === 'mod') {
      if (this.opts.proxyFor === undefined) throw new RepoRootError(`${modulePath}: go-import names a module proxy, which direct mode does not follow`);
      if (root.discovered) await checkHost(new URL(root.repo).hostname, this.opts.allowPrivateNetworks ?? false);
      return { kind: 'mod', source: this.opts.proxyFor(root.repo) };
    }
    if (root.vcs !== 'git') {
      throw new RepoRootError(`${modulePath}: version control system "${root.vcs}" is not supported by gomodproxy direct mode (only git)`);
    }
    const rewritten = rewriteUrl(root.repo, this.rules);
    const url = rewritten ?? root.repo;
    if (rewritten === undefined && root.discovered) {
      const u = new URL(url);
      if (!['https:', 'http:', 'git:'].includes(u.protocol)) throw new RepoRootError(`${modulePath}: repository URL scheme ${u.protocol} is not allowed`);
      await checkHost(u.hostname, this.opts.allowPrivateNetworks ?? false);
    }
    let code = this.gitRepos.get(url);
    if (code === undefined) {
      code = new GitRepo(this.mirrors.get(url, this.credentials.gitConfig(url)), root.repo);
      this.gitRepos.set(url, code);
    }
    return { kind: 'git', repo: new CodeRepo(code.forFill(cut), root.root, modulePath) };
  }

  /**
   * Fixed rules, then a rewrite from https://HOST/, then discovery, then launchpad; remembered for one refresh
   * interval. A shutdown's cut ends the discovery's requests (the fills that share it are of the same cut), and
   * the cut lookup is forgotten at once: a fill asked after the cut looks again rather than waiting on it.
   */
  private repoRoot(modulePath: string, cut: AbortSignal | undefined): Promise<RepoRoot> {
    const hit = this.roots.get(modulePath);
    if (hit !== undefined && hit.cut?.aborted !== true && Date.now() - hit.at < this.opts.refreshIntervalMs) return hit.root;
    const root = (async () => {
      const fixed = fixedRepoRoot(modulePath) ?? rewriteRepoRoot(modulePath, this.rules);
      if (fixed !== undefined) return fixed;
      try {
        return await discoverRepoRoot(modulePath, {
          allowPrivateNetworks: this.opts.allowPrivateNetworks ?? false,
          credentials: this.credentials,
          timeoutMs: Math.min(this.opts.gitTimeoutMs, 30_000),
          signal: cut,
          fetchPage: this.opts.fetchPage,
        });
      } catch (err) {
        if (cut?.aborted === true) throw cut.reason;
        const lp = launchpadRepoRoot(modulePath);
        if (lp !== undefined) return lp;
        throw err;
      }
    })();
    const entry = { at: Date.now(), root, cut };
    this.roots.set(modulePath, entry);
    root.catch(() => this.roots.get(modulePath) === entry && this.roots.delete(modulePath));
    return root;
  }
}

/**
 * The work, or the cut's reason as soon as it aborts: a wait git does not run for (a read queued behind another
 * fill's, go-get discovery) must not hold a shutdown. What is left of the work ends as its git calls are killed.
 */
function untilCut<T>(work: Promise<T>, cut: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onCut = () => reject(cut.reason);
    cut.addEventListener('abort', onCut, { once: true });
    work.then(resolve, reject).finally(() => cut.removeEventListener('abort', onCut));
  });
}

/** A full disk (or no file descriptor left) met by git or by our own writes, as the proxy's own failure. */
function localFailure(err: unknown): GmpError | undefined {
  const what = 'fetching a repository into its git mirror or building a zip from it (direct mode)';
  if (err instanceof GitError) {
    const reason = gitDiskFull(err);
    // The cause carries the reason (ENOSPC) for the log and the metric; git's own message names our paths.
    return reason === undefined ? undefined : localIoError(Object.assign(new Error(`git: ${reason}`, { cause: err }), { code: reason }), what);
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && OWN_FAILURE_CODES.has(code) ? localIoError(err, what) : undefined;
}

/** Module-level problems are 404 (the chain and the go command fall through); git and network trouble is 502/504. */
function toGmp(err: unknown): GmpError {
  if (err instanceof GmpError) return err;
  if (err instanceof ModuleVersionError || err instanceof UnknownRevisionError || err instanceof RepoRootError || err instanceof BlockedAddressError) {
    return gmpError('GMP_ERR_NOT_FOUND', `not found: ${err.message}`, err);
  }
  if (err instanceof ModZipError) return gmpError('GMP_ERR_NOT_FOUND', `not found: create zip: ${err.message}`, err);
  if (err instanceof FileTooLargeError) return gmpError('GMP_ERR_NOT_FOUND', `not found: ${err.message}`, err);
  // Git work this fill shared with a fill the shutdown cut (one fetch, one cat-file reader, one answer for many
  // fills), or the mirror closing: the shutdown's answer, 503 with Retry-After, that a load balancer asks again.
  if (err instanceof GitStoppedError) return gmpError('GMP_ERR_SHUTTING_DOWN', `shutting down: nothing was stored (direct: ${err.message})`, err);
  // Our own disk (a mirror's fetch, a zip built from git): a 503 naming it, never the repository's fault.
  const local = localFailure(err);
  if (local !== undefined) return local;
  if (err instanceof GitError) {
    if (err.timedOut) return gmpError('GMP_ERR_UPSTREAM_TIMEOUT', `direct: ${err.message}`, err);
    if (/not found|could not read Username|Authentication failed|does not appear to be a git repository|returned error: 40[134]/i.test(err.stderr)) {
      return gmpError('GMP_ERR_NOT_FOUND', `not found: repository: ${redactURL(err.message)}`, err);
    }
    return gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', `direct: ${err.message}`, err);
  }
  // A go-get page past its timeout: fetch fails with the timeout signal's reason, a DOMException 'TimeoutError'.
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError'))
    return gmpError('GMP_ERR_UPSTREAM_TIMEOUT', 'direct: go-get discovery timed out', err);
  if (err instanceof TypeError) return gmpError('GMP_ERR_UPSTREAM_UNREACHABLE', `direct: go-get discovery failed: ${err.message}`, err);
  return gmpError('GMP_ERR_INTERNAL', 'internal error', err);
}
