// Published versions in `@v/list` and `@latest` at once: the answers from the upstreams (or the cache)
// are merged with the published versions when a module has any; a module whose upstreams know nothing
// (404) or fail is answered from its published versions alone.
import { etagOf } from '../cache/etag.js';
import type { Small, VersionsOverlay } from '../cache/module-cache.js';
import { toGmpError } from '../errors.js';
import { formatList } from '../protocol/answers.js';
import { isPseudoVersion } from '../protocol/pseudo.js';
import { compare, prerelease, sortVersions } from '../protocol/semver.js';
import type { PublishedVersions } from './published-versions.js';

export class PublishedOverlay implements VersionsOverlay {
  /** The last merged list per module, reused while its inputs are the same. */
  private readonly merged = new Map<string, { inputs: string; small: Small }>();

  constructor(private readonly published: PublishedVersions) {}

  list(modulePath: string, base: () => Promise<Small>): Promise<Small> {
    const extra = this.published.remembered(modulePath);
    if (extra !== undefined && extra.length === 0) return base();
    return this.mergeList(modulePath, base);
  }

  private async mergeList(modulePath: string, base: () => Promise<Small>): Promise<Small> {
    // go lists release and pre-release versions; pseudo-versions are never listed.
    const extra = (await this.published.versions(modulePath)).filter((v) => !isPseudoVersion(v));
    if (extra.length === 0) return base();
    const from = await orUndefined(base());
    const inputs = `${from?.etag ?? ''} ${extra.join(' ')}`;
    const last = this.merged.get(modulePath);
    if (last !== undefined && last.inputs === inputs) return last.small;
    const lines = from === undefined ? [] : from.body.toString('utf8').split('\n');
    const body = Buffer.from(formatList(sortVersions([...new Set([...lines.filter((l) => l !== ''), ...extra])])));
    const small: Small = { body, etag: etagOf(body), bytes: body.length + 128, fetchedAt: from?.fetchedAt ?? Date.now() };
    if (this.merged.size >= 1000) this.merged.clear();
    this.merged.set(modulePath, { inputs, small });
    return small;
  }

  latest(modulePath: string, base: () => Promise<Small>, info: (version: string) => Promise<Small>): Promise<Small> {
    const extra = this.published.remembered(modulePath);
    if (extra !== undefined && extra.length === 0) return base();
    return this.mergeLatest(modulePath, base, info);
  }

  private async mergeLatest(modulePath: string, base: () => Promise<Small>, info: (version: string) => Promise<Small>): Promise<Small> {
    const best = latestOf(await this.published.versions(modulePath));
    if (best === undefined) return base();
    const from = await orUndefined(base());
    const theirs = from === undefined ? undefined : versionOf(from.body);
    if (from !== undefined && theirs !== undefined && latestOf([best, theirs]) === theirs) return from;
    return info(best);
  }
}

/** The upstream answer, or undefined when the upstreams know nothing or fail: published versions still answer. */
async function orUndefined(p: Promise<Small>): Promise<Small | undefined> {
  try {
    return await p;
  } catch (err) {
    const e = toGmpError(err);
    if (e.notFound || e.upstream) return undefined;
    throw e;
  }
}

/** How the go command prefers versions for @latest: releases, then pre-releases, then pseudo-versions. */
function rank(v: string): number {
  if (isPseudoVersion(v)) return 0;
  return prerelease(v) === '' ? 2 : 1;
}

export function latestOf(versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) {
    if (best === undefined || rank(v) > rank(best) || (rank(v) === rank(best) && compare(v, best) > 0)) best = v;
  }
  return best;
}

function versionOf(body: Buffer): string | undefined {
  try {
    const v = (JSON.parse(body.toString('utf8')) as { Version?: unknown }).Version;
    return typeof v === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}
