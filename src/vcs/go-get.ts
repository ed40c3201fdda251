// ?go-get=1 discovery (§4.2): fetch https://<path>?go-get=1 behind the SSRF guard, read the go-import meta
// tags the way cmd/go does (mod entries first, prefix matching, the root page must agree), and check the URL.
import { Agent, fetch } from 'undici';
import { eitherSignal } from '../upstream/either-signal.js';
import { readPrefix } from '../upstream/read-body.js';
import type { Credentials } from './remote-auth.js';
import { BlockedAddressError, checkHost, guardedLookup } from './net-guard.js';
import { RepoRootError } from './repo-root.js';
import type { RepoRoot } from './repo-root.js';

export interface MetaImport {
  readonly prefix: string;
  readonly vcs: string;
  readonly repoRoot: string;
}

export interface DiscoveryOptions {
  readonly allowPrivateNetworks: boolean;
  readonly credentials: Credentials;
  readonly timeoutMs: number;
  /** Ends the lookup early (a shutdown's cut of the fill that asked): its requests are aborted with its reason. */
  readonly signal?: AbortSignal;
  /** Replaces the HTTP fetch (tests): returns the page body for a go-get URL, or fails once the signal aborts. */
  readonly fetchPage?: (url: string, signal: AbortSignal) => Promise<string>;
}

const MAX_PAGE = 1 << 20;

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
const decodeEntities = (s: string): string =>
  s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) =>
    e[0] === '#' ? String.fromCodePoint(Number(e[1] === 'x' || e[1] === 'X' ? `0${e.slice(1)}` : e.slice(1))) : (ENTITIES[e.toLowerCase()] ?? m),
  );

/** parseMetaGoImports: the go-import tags before <body> or </head>, content with exactly 3 fields, mod entries first. */
export function parseMetaGoImports(html: string): MetaImport[] {
  const end = html.search(/<body[\s>]|<\/head\s*>/i);
  const head = end < 0 ? html : html.slice(0, end);
  const found: MetaImport[] = [];
  for (const tag of head.matchAll(/<meta\b([^>]*)>/gi)) {
    const attrs = new Map<string, string>();
    for (const a of (tag[1] ?? '').matchAll(/([a-z-]+)\s*=\s*("([^"]*)"|'([^']*)'|([^\s"'>]+))/gi)) {
      attrs.set((a[1] as string).toLowerCase(), decodeEntities(a[3] ?? a[4] ?? a[5] ?? ''));
    }
    if (attrs.get('name') !== 'go-import') continue;
    const f = (attrs.get('content') ?? '').trim().split(/\s+/);
    if (f.length === 3) found.push({ prefix: f[0] as string, vcs: f[1] as string, repoRoot: f[2] as string });
  }
  const modPrefixes = new Set(found.filter((m) => m.vcs === 'mod').map((m) => m.prefix));
  return [...found.filter((m) => m.vcs === 'mod'), ...found.filter((m) => m.vcs !== 'mod' && !modPrefixes.has(m.prefix))];
}

const hasPathPrefix = (s: string, prefix: string): boolean => s === prefix || s.startsWith(`${prefix}/`);

/** matchGoImport: the one entry whose prefix covers the path (a mod entry wins over the non-mod ones after it). */
export function matchGoImport(imports: readonly MetaImport[], importPath: string): MetaImport {
  let match: MetaImport | undefined;
  for (const im of imports) {
    if (!hasPathPrefix(importPath, im.prefix)) continue;
    if (match !== undefined) {
      if (match.vcs === 'mod' && im.vcs !== 'mod') break;
      throw new RepoRootError(`multiple meta tags match import path "${importPath}"`);
    }
    match = im;
  }
  if (match === undefined) throw new RepoRootError(`${importPath}: no go-import meta tag matches the path`);
  return match;
}

/** Fetches a go-get page over https with the guard applied at connect time; credentials only for that host. */
async function fetchPage(url: string, opts: DiscoveryOptions, agent: Agent): Promise<string> {
  let current = url;
  for (let hop = 0; hop <= 10; hop++) {
    // Each request has the whole timeout, and a shutdown's cut ends it too (the body's read included).
    const { signal, release } = eitherSignal(AbortSignal.timeout(opts.timeoutMs), opts.signal);
    try {
      if (opts.fetchPage !== undefined) return await opts.fetchPage(current, signal as AbortSignal);
      const next = await fetchHop(current, opts, agent, signal as AbortSignal);
      if (next.page !== undefined) return next.page;
      current = next.location;
    } finally {
      release();
    }
  }
  throw new RepoRootError('go-get discovery: too many redirects');
}

/** One request of a go-get page: its body, or where it redirects. */
async function fetchHop(
  current: string,
  opts: DiscoveryOptions,
  agent: Agent,
  signal: AbortSignal,
): Promise<{ page: string } | { page?: undefined; location: string }> {
  const u = new URL(current);
  if (u.protocol !== 'https:') throw new RepoRootError(`go-get discovery: refusing non-https URL ${u.origin}`);
  await checkHost(u.hostname, opts.allowPrivateNetworks);
  const cred = opts.credentials.forUrl(current);
  const res = await fetch(current, {
    dispatcher: agent,
    redirect: 'manual',
    headers: cred === undefined ? {} : { [cred.header]: cred.value },
    signal,
  }).catch((err: unknown) => {
    throw connectProblem(err, u.hostname);
  });
  const location = res.headers.get('location');
  if (res.status >= 300 && res.status < 400 && location !== null) {
    await res.body?.cancel();
    return { location: new URL(location, current).toString() };
  }
  // cmd/go ignores the status when the page has tags; read a bounded prefix of the body either way
  // (never the whole of what a hostile server sends).
  if (res.body === null) return { page: '' };
  return { page: (await readPrefix(res.body, MAX_PAGE)).data.toString('utf8') };
}

/**
 * A host that does not exist is the same verdict with the guard on or off (checkHost says it when on): no such
 * module, so the chain and the go command fall through. Other failures keep their kind, with their cause named
 * (undici's own message is only "fetch failed").
 */
function connectProblem(err: unknown, host: string): unknown {
  if (!(err instanceof TypeError)) return err;
  const cause = err.cause as NodeJS.ErrnoException | undefined;
  if (cause?.code === 'ENOTFOUND') return new BlockedAddressError(host, true);
  return cause?.message === undefined ? err : new TypeError(`${err.message}: ${cause.message}`, { cause });
}

/** RepoRootForImportPath's dynamic half: discovery of the repository for a module path. */
export async function discoverRepoRoot(importPath: string, opts: DiscoveryOptions): Promise<RepoRoot> {
  const slash = importPath.indexOf('/');
  const host = slash < 0 ? importPath : importPath.slice(0, slash);
  if (!host.includes('.')) throw new RepoRootError(`import path "${importPath}" does not begin with hostname`);
  const agent = new Agent({ connect: { lookup: guardedLookup(opts.allowPrivateNetworks), timeout: opts.timeoutMs } });
  try {
    const pageFor = async (p: string) => {
      const i = p.indexOf('/');
      return fetchPage(`https://${i < 0 ? `${p}/` : p}?go-get=1`, opts, agent);
    };
    const mmi = matchGoImport(parseMetaGoImports(await pageFor(importPath)), importPath);
    if (mmi.prefix !== importPath) {
      const again = matchGoImport(parseMetaGoImports(await pageFor(mmi.prefix)), mmi.prefix);
      if (again.prefix !== mmi.prefix || again.vcs !== mmi.vcs || again.repoRoot !== mmi.repoRoot) {
        throw new RepoRootError(`${importPath} and ${mmi.prefix} disagree about go-import for ${mmi.prefix}`);
      }
    }
    let repoUrl: URL;
    try {
      repoUrl = new URL(mmi.repoRoot);
    } catch {
      throw new RepoRootError(`${importPath}: invalid repo root "${mmi.repoRoot}"`);
    }
    if (repoUrl.protocol === 'file:') throw new RepoRootError(`${importPath}: file:// repo root "${mmi.repoRoot}" is not allowed`);
    return { root: mmi.prefix, vcs: mmi.vcs, repo: mmi.repoRoot, discovered: true };
  } finally {
    await agent.close();
  }
}
