// Turning a commit into a module version, as cmd/go's codeRepo.convert and validatePseudoVersion:
// exact tags, the highest canonical tag on the commit, or a pseudo-version on the highest ancestor tag.
import { canonicalVersion } from '../protocol/module-path.js';
import { formatTimestamp, isPseudoVersion, pseudoVersion, pseudoVersionBase, pseudoVersionRev, pseudoVersionTime } from '../protocol/pseudo.js';
import * as semver from '../protocol/semver.js';
import { ModuleVersionError, matchPathMajor } from './code-repo.js';
import type { CodeRepo } from './code-repo.js';
import type { RevInfo } from './git-repo.js';
import { isGitFailure } from './git-run.js';

/** A module version resolved from the repository: what `.info` reports. */
export interface ModRevInfo {
  readonly version: string;
  readonly time: Date;
  readonly rev: RevInfo;
}

/** codeRepo.Stat: a version, branch, tag, hash prefix or `latest` → the module version it stands for. */
export function statVersion(repo: CodeRepo, rev: string): Promise<ModRevInfo> {
  // .info, .mod and .zip of one version each ask; the answer only changes when the refs do.
  return repo.code.memo(`statVersion:${repo.codeRoot}:${repo.modPath}:${rev}`, () => computeStat(repo, rev));
}

async function computeStat(repo: CodeRepo, rev: string): Promise<ModRevInfo> {
  if (rev === 'latest') return convert(repo, await repo.code.latest(), '');
  const info = await repo.code.stat(repo.revToRev(rev)).catch((err: unknown) => {
    // git's own failure (the fetch for a hash the mirror has not seen, a lazy fetch of the commit, our full disk,
    // a timeout) is no verdict on the version: a 502, 503 or 504 (direct-source.ts), not a 404.
    if (isGitFailure(err)) throw err;
    throw new ModuleVersionError(repo.modPath, rev, `invalid version: ${(err as Error).message}`);
  });
  // A hash that names no ref tip (a hash query, a pseudo-version) must lie on a branch or tag.
  if (info.ref === undefined && !(await repo.code.reachable(info.name))) {
    throw new ModuleVersionError(repo.modPath, rev, `invalid version: unknown revision ${repo.revToRev(rev)}`);
  }
  return convert(repo, info, rev);
}

/** tagToVersion: the canonical version a tag stands for ('' if none), and whether the tag is exactly canonical. */
function tagToVersion(tagPrefix: string, tag: string): { v: string; canonical: boolean } {
  if (!tag.startsWith(tagPrefix) || isPseudoVersion(tag)) return { v: '', canonical: false };
  const trimmed = tag.slice(tagPrefix.length);
  const v = semver.canonical(trimmed);
  if (v === '' || !trimmed.startsWith(v)) return { v: '', canonical: false };
  return { v, canonical: v === trimmed };
}

async function convert(repo: CodeRepo, info: RevInfo, statVers: string): Promise<ModRevInfo> {
  const incompatibleOk = new Map<string, boolean>();
  const hasFile = (file: string) => repo.hasFile(info.name, file);
  const canUseIncompatible = async (v: string): Promise<boolean> => {
    if (repo.codeDir !== '' || repo.pathMajor !== '') return false;
    if (!incompatibleOk.has('')) incompatibleOk.set('', !(await hasFile('go.mod')));
    if (incompatibleOk.get('') !== true) return false;
    // go.dev/issue/51324: a vN/go.mod means vN tags belong to the vN module, unless +incompatible was asked for.
    if (v !== '' && !statVers.endsWith('+incompatible')) {
      const major = semver.major(v);
      if (!incompatibleOk.has(major)) incompatibleOk.set(major, !(await hasFile(`${major}/go.mod`)));
      return incompatibleOk.get(major) === true;
    }
    return true;
  };

  const checkCanonical = async (candidate: string): Promise<ModRevInfo> => {
    await repo.findDir(candidate);
    let v = candidate;
    const fail = (msg: string): never => {
      throw new ModuleVersionError(repo.modPath, v, `invalid version: ${msg}`);
    };
    if (v === statVers.replace(/\+incompatible$/, '')) v = statVers;
    const base = v.replace(/\+incompatible$/, '');
    let errIncompatible: string | undefined;
    if (!matchPathMajor(base, repo.pathMajor)) {
      if (await canUseIncompatible(base)) v = `${base}+incompatible`;
      else
        errIncompatible =
          repo.pathMajor !== ''
            ? 'module path includes a major version suffix, so major version must match'
            : `module contains a go.mod file, so module path must match major version ("${repo.pathPrefix}/${semver.major(v)}")`;
    } else if (v.endsWith('+incompatible')) {
      errIncompatible = `+incompatible suffix not allowed: major version ${semver.major(v)} is compatible`;
    }
    if (statVers !== '' && statVers === canonicalVersion(statVers)) {
      const statBase = statVers.replace(/\+incompatible$/, '');
      if (statBase !== base) {
        throw new ModuleVersionError(repo.modPath, statVers, `invalid version: resolves to version ${v} (${statBase} is not a tag)`);
      }
    }
    if (errIncompatible !== undefined) fail(errIncompatible);
    return { version: v, time: info.time, rev: info };
  };

  if (isPseudoVersion(statVers)) {
    await validatePseudoVersion(repo, info, statVers);
    return checkCanonical(statVers);
  }

  const prefix = repo.tagPrefix;
  const isRetracted = await repo.retracted();
  const own = tagToVersion(prefix, info.version);
  if (own.canonical) {
    // As the go command: a tag that is not this module's version falls through to the others. git failing (the
    // shutdown's stop, a timeout) says nothing about the tag, and this answer is shared until the next refresh
    // (memo): it fails instead, and is not remembered.
    const r = await checkCanonical(own.v).catch((err: unknown) => {
      if (isGitFailure(err)) throw err;
      return undefined;
    });
    if (r !== undefined) return r;
  }

  let highestCanonical = '';
  let pseudoBase = '';
  for (const tag of info.tags) {
    const { v, canonical } = tagToVersion(prefix, tag);
    if (statVers !== '' && semver.compare(v, statVers) === 0) {
      if (canonical) return checkCanonical(v);
      pseudoBase = v;
    }
    if (canonical && semver.compare(highestCanonical, v) < 0 && !isRetracted(v)) {
      if (matchPathMajor(v, repo.pathMajor) || (await canUseIncompatible(v))) highestCanonical = v;
    }
  }
  if (highestCanonical !== '') return checkCanonical(highestCanonical);

  if (pseudoBase === '') {
    // Precompute the answers the synchronous filter needs.
    const incompatibleFine = await canUseIncompatible('').then(async (rootOk) => {
      if (!rootOk) return new Set<string>();
      const majors = new Set<string>();
      for (const t of await repo.code.tags(prefix)) {
        const { v } = tagToVersion(prefix, t.name);
        if (v !== '' && (await canUseIncompatible(v))) majors.add(semver.major(v));
      }
      return majors;
    });
    const allowed = (tag: string): boolean => {
      const { v } = tagToVersion(prefix, tag);
      if (v === '') return false;
      if (!matchPathMajor(v, repo.pathMajor) && !incompatibleFine.has(semver.major(v))) return false;
      return !isRetracted(v);
    };
    const tag = await repo.code.recentTag(info.name, prefix, allowed, semver.compare);
    if (tag !== '') pseudoBase = tagToVersion(prefix, tag).v;
  }
  return checkCanonical(pseudoVersion(repo.pseudoMajor, pseudoBase, info.time, info.short));
}

/** validatePseudoVersion: the hash, time and base tag of a requested pseudo-version must fit the commit. */
async function validatePseudoVersion(repo: CodeRepo, info: RevInfo, version: string): Promise<void> {
  const fail = (msg: string): never => {
    throw new ModuleVersionError(repo.modPath, version, `invalid pseudo-version: ${msg}`);
  };
  const rev = pseudoVersionRev(version);
  if (rev !== info.short) {
    if (rev.startsWith(info.short)) fail(`revision is longer than canonical (expected ${info.short})`);
    if (info.short.startsWith(rev)) fail(`revision is shorter than canonical (expected ${info.short})`);
    fail(`does not match short name of revision (expected ${info.short})`);
  }
  let base = '';
  try {
    if (pseudoVersionTime(version).getTime() !== Math.floor(info.time.getTime() / 1000) * 1000)
      fail(`does not match version-control timestamp (expected ${formatTimestamp(info.time)})`);
    base = pseudoVersionBase(version.replace(/\+incompatible$/, ''));
  } catch (err) {
    if (err instanceof ModuleVersionError) throw err;
    fail((err as Error).message);
  }
  if (base === '') {
    if (repo.pseudoMajor === '' && semver.major(version) === 'v1') fail('major version without preceding tag must be v0, not v1');
    return;
  }
  const prefix = repo.tagPrefix;
  for (const tag of info.tags) {
    if (tag.slice(tag.startsWith(prefix) ? prefix.length : 0) === base) {
      fail(`tag (${tag}) found on revision ${rev} is already canonical, so should not be replaced with a pseudo-version derived from that tag`);
    }
  }
  let lastTag = '';
  for (const tag of await repo.code.tags(prefix + base)) {
    if (semver.compare(tag.name.slice(prefix.length), base) !== 0) continue;
    lastTag = tag.name;
    if (await repo.code.descendsFrom(info.name, tag.name)) return;
  }
  if (lastTag === '') fail(`preceding tag (${base}) not found`);
  fail(`revision ${rev} is not a descendent of preceding tag (${lastTag})`);
}
