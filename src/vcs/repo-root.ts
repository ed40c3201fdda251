// From a module path to its repository with the go command's fixed hosting rules (vcs.go vcsPaths, §4.1);
// paths no rule knows go to ?go-get=1 discovery (go-get.ts), and launchpad.net comes after that.
// gomodproxy's own addition: a --direct-rewrite from https://HOST/ maps paths under it without discovery.
import type { RewriteRule } from './remote-auth.js';

export interface RepoRoot {
  /** The import path of the repository root (`github.com/owner/repo`). */
  readonly root: string;
  /** `git`, `hg`, `svn`, `bzr`, `fossil`, or `mod` (a GOPROXY base from a go-import meta tag). */
  readonly vcs: string;
  /** The repository URL (or proxy base URL for `mod`). */
  readonly repo: string;
  /** Whether the URL came from a page on the network (go-import), so the SSRF guard applies to it. */
  readonly discovered: boolean;
}

/** A module path that no rule and no discovery can map to a repository gomodproxy can read (404). */
export class RepoRootError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RepoRootError';
  }
}

export const VCS_NAMES = ['bzr', 'fossil', 'git', 'hg', 'svn'] as const;

interface Rule {
  readonly prefix?: string;
  readonly re: RegExp;
  readonly vcs?: string;
  /** Rejects repo names that end in a VCS suffix (`github.com/a/b.git`). */
  readonly noVcsSuffix?: boolean;
}

const ELEM = '[A-Za-z0-9_.\\-]+';
const RULES: readonly Rule[] = [
  { prefix: 'github.com', re: new RegExp(`^(?<root>github\\.com/${ELEM}/${ELEM})(/${ELEM})*$`), vcs: 'git', noVcsSuffix: true },
  { prefix: 'bitbucket.org', re: new RegExp(`^(?<root>bitbucket\\.org/${ELEM}/${ELEM})(/${ELEM})*$`), vcs: 'git', noVcsSuffix: true },
  { prefix: 'hub.jazz.net/git', re: new RegExp(`^(?<root>hub\\.jazz\\.net/git/[a-z0-9]+/${ELEM})(/${ELEM})*$`), vcs: 'git', noVcsSuffix: true },
  { prefix: 'git.apache.org', re: new RegExp(`^(?<root>git\\.apache\\.org/[a-z0-9_.\\-]+\\.git)(/${ELEM})*$`), vcs: 'git' },
  { prefix: 'git.openstack.org', re: new RegExp(`^(?<root>git\\.openstack\\.org/${ELEM}/${ELEM})(\\.git)?(/${ELEM})*$`), vcs: 'git' },
  { prefix: 'chiselapp.com', re: new RegExp(`^(?<root>chiselapp\\.com/user/[A-Za-z0-9]+/repository/${ELEM})$`), vcs: 'fossil' },
  // A VCS qualifier ends an element: example.com/foo.git/bar → repo example.com/foo, root example.com/foo.git.
  { re: /^(?<root>(?<repo>([a-z0-9.-]+\.)+[a-z0-9.-]+(:[0-9]+)?(\/~?[A-Za-z0-9_.-]+)+?)\.(?<vcs>bzr|fossil|git|hg|svn))(\/~?[A-Za-z0-9_.-]+)*$/ },
];

const LAUNCHPAD = new RegExp(`^(?<root>launchpad\\.net/((${ELEM})(/${ELEM})?|~${ELEM}/(\\+junk|${ELEM})/${ELEM}))(/${ELEM})*$`);

const hasPathPrefix = (s: string, prefix: string): boolean => s === prefix || s.startsWith(`${prefix}/`);

/**
 * The fixed rules: a RepoRoot, undefined when no rule applies (go on with discovery), or RepoRootError when a
 * rule's host matches but the path does not fit it ("invalid github.com import path").
 */
export function fixedRepoRoot(importPath: string): RepoRoot | undefined {
  for (const rule of RULES) {
    if (rule.prefix !== undefined && !hasPathPrefix(importPath, rule.prefix)) continue;
    const m = rule.re.exec(importPath);
    if (m?.groups === undefined) {
      if (rule.prefix !== undefined) throw new RepoRootError(`invalid ${rule.prefix} import path "${importPath}"`);
      continue;
    }
    const root = m.groups.root as string;
    if (rule.vcs === undefined) {
      // The qualifier rule: the scheme is probed by the go command; gomodproxy uses https.
      return { root, vcs: m.groups.vcs as string, repo: `https://${m.groups.repo as string}`, discovered: false };
    }
    if (rule.noVcsSuffix === true && VCS_NAMES.some((v) => root.endsWith(`.${v}`))) {
      throw new RepoRootError(`invalid version control suffix in ${rule.prefix} path`);
    }
    return { root, vcs: rule.vcs, repo: `https://${root}`, discovered: false };
  }
  return undefined;
}

/** launchpad.net, which the go command tries only after discovery fails (Bazaar, so never served here). */
export function launchpadRepoRoot(importPath: string): RepoRoot | undefined {
  const m = LAUNCHPAD.exec(importPath);
  return m?.groups === undefined ? undefined : { root: m.groups.root as string, vcs: 'bzr', repo: `https://${m.groups.root as string}`, discovered: false };
}

/**
 * Vanity paths without discovery. Nothing in a module path says where its repository root is (the go command
 * always asks the host's go-get page), so the rule is gomodproxy's: the longest rewrite whose FROM is
 * `https://HOST/` or `https://HOST/PATH/` and covers the path makes the repository root FROM's path plus
 * the *next* path element. `https://go.corp.example/` maps go.corp.example/lib/sub/v2 to the repository
 * https://go.corp.example/lib (then rewritten to TO + `lib`); owner/repo layouts use a FROM per owner
 * (`https://go.corp.example/team/`). Undefined when no such rule covers the path, or nothing follows FROM.
 */
export function rewriteRepoRoot(importPath: string, rules: readonly RewriteRule[]): RepoRoot | undefined {
  const url = `https://${importPath}/`;
  let best: RewriteRule | undefined;
  for (const r of rules) {
    if (!r.from.startsWith('https://') || !r.from.endsWith('/') || !url.startsWith(r.from)) continue;
    if (best === undefined || r.from.length > best.from.length) best = r;
  }
  if (best === undefined) return undefined;
  const next = url.slice(best.from.length).split('/')[0] ?? '';
  if (next === '') return undefined;
  const root = `${best.from.slice('https://'.length)}${next}`;
  return { root, vcs: 'git', repo: `https://${root}`, discovered: false };
}
