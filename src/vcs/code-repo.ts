// One module inside one repository, as cmd/go's codeRepo: where the module sits (codeDir, major suffix),
// its versions from tags (+incompatible rules), finding its go.mod at a revision, and the .mod answer.
import { checkPathMajor, splitPathVersion, synthesizedGoMod } from '../protocol/module-path.js';
import { isPseudoVersion } from '../protocol/pseudo.js';
import * as semver from '../protocol/semver.js';
import { FileTooLargeError } from './git-repo.js';
import type { GitRepo, RevInfo } from './git-repo.js';
import { isGitFailure } from './git-run.js';
import { isRetracted, modulePathOf, retractions } from './go-mod-file.js';

/** A version that does not exist or is not valid for this module (the proxy answers 404). */
export class ModuleVersionError extends Error {
  constructor(modPath: string, version: string, reason: string) {
    super(version === '' ? `${modPath}: ${reason}` : `${modPath}@${version}: ${reason}`);
    this.name = 'ModuleVersionError';
  }
}

/**
 * How much of a go.mod direct mode reads. The go command reads a go.mod whole, whatever its size, for .info and
 * .mod (its 16 MiB MaxGoMod fails only the zip); direct mode stops at 64 MiB to bound its memory (a larger one is
 * a 404 naming its size).
 */
export const GO_MOD_READ_LIMIT = 64 << 20;

export const hasPathPrefix = (s: string, prefix: string): boolean =>
  prefix === '' || s === prefix || (s.startsWith(prefix) && (prefix.endsWith('/') || s[prefix.length] === '/'));

export const matchPathMajor = (v: string, pathMajor: string): boolean => checkPathMajor(v, pathMajor) === undefined;

/** module.PathMajorPrefix: "/v2" and ".v2[-unstable]" → "v2", "" → "". */
function pathMajorPrefix(pathMajor: string): string {
  return pathMajor.replace(/-unstable$/, '').slice(1);
}

/** isMajor: whether a go.mod's module path has a major suffix that fits pathMajor. */
function isMajor(mpath: string, pathMajor: string): boolean {
  if (mpath === '') return false;
  const split = splitPathVersion(mpath);
  if (!split.ok) return false;
  if (pathMajor === '') return ['', 'v0', 'v1'].includes(pathMajorPrefix(split.pathMajor));
  return split.pathMajor !== '' && pathMajor.slice(1) === split.pathMajor.slice(1);
}

export interface FoundDir {
  /** The commit. */
  readonly rev: RevInfo;
  /** The module root inside the repository ('' for the root). */
  readonly dir: string;
  /** The go.mod bytes, undefined when the version has none (synthesized). */
  readonly goMod?: Buffer;
}

export class CodeRepo {
  readonly codeDir: string;
  readonly pathMajor: string;
  readonly pathPrefix: string;
  readonly pseudoMajor: string;

  constructor(
    readonly code: GitRepo,
    readonly codeRoot: string,
    readonly modPath: string,
  ) {
    if (!hasPathPrefix(modPath, codeRoot)) throw new ModuleVersionError(modPath, '', `mismatched repo: found ${codeRoot}`);
    const split = splitPathVersion(modPath);
    if (!split.ok) throw new ModuleVersionError(modPath, '', 'invalid module path');
    this.pathPrefix = codeRoot === modPath ? modPath : split.prefix;
    this.pathMajor = split.pathMajor;
    this.pseudoMajor = pathMajorPrefix(split.pathMajor);
    let codeDir = '';
    if (codeRoot !== modPath) {
      if (!hasPathPrefix(this.pathPrefix, codeRoot)) throw new ModuleVersionError(modPath, '', `repository rooted at ${codeRoot} cannot contain it`);
      codeDir = this.pathPrefix.slice(codeRoot.length).replace(/^\/+|\/+$/g, '');
    }
    this.codeDir = codeDir;
  }

  get tagPrefix(): string {
    return this.codeDir === '' ? '' : `${this.codeDir}/`;
  }

  /** codeRepo.Versions(""): canonical tagged versions, then the allowed +incompatible ones. */
  versions(): Promise<string[]> {
    return this.code.memo(`versions:${this.codeRoot}:${this.modPath}`, () => this.computeVersions());
  }

  private async computeVersions(): Promise<string[]> {
    if (this.modPath.startsWith('gopkg.in/') && this.modPath.endsWith('-unstable')) return [];
    const list: string[] = [];
    const incompatible: string[] = [];
    for (const tag of await this.code.tags(this.tagPrefix)) {
      const v = tag.name.slice(this.tagPrefix.length);
      if (v === '' || v !== semver.canonical(v) || isPseudoVersion(v)) continue;
      if (!matchPathMajor(v, this.pathMajor)) {
        if (this.codeDir === '' && this.pathMajor === '' && semver.major(v) > 'v1') incompatible.push(v);
        continue;
      }
      list.push(v);
    }
    const sorted = semver.sortVersions(list);
    return [...sorted, ...(await this.allowedIncompatible(sorted, semver.sortVersions(incompatible)))];
  }

  private async hasRootGoMod(rev: string): Promise<boolean> {
    return this.hasFile((await this.code.stat(rev)).name, 'go.mod');
  }

  /** Whether a go.mod exists at the commit (the go command's ReadFile succeeds), however large it is. */
  async hasFile(commit: string, file: string): Promise<boolean> {
    try {
      return (await this.code.readFile(commit, file, GO_MOD_READ_LIMIT)) !== undefined;
    } catch (err) {
      if (err instanceof FileTooLargeError) return true;
      throw err;
    }
  }

  /** appendIncompatibleVersions: none when the latest compatible version has a go.mod; per major, none when its latest has one. */
  private async allowedIncompatible(list: string[], incompatible: string[]): Promise<string[]> {
    if (incompatible.length === 0 || this.pathMajor !== '') return [];
    const last = list[list.length - 1];
    if (last !== undefined && (await this.hasRootGoMod(last))) return [];
    const out: string[] = [];
    const majors = [...new Set(incompatible.map((v) => semver.major(v)))];
    for (const major of majors) {
      const ofMajor = incompatible.filter((v) => semver.major(v) === major);
      if (await this.hasRootGoMod(ofMajor[ofMajor.length - 1] as string)) continue;
      out.push(...ofMajor.map((v) => `${v}+incompatible`));
    }
    return out;
  }

  /** revToRev: the code-host revision for a module version (pseudo → hash prefix, tag → prefixed tag). */
  revToRev(rev: string): string {
    if (!semver.isValid(rev)) return rev;
    if (isPseudoVersion(rev)) return rev.replace(/\+.*$/, '').slice(rev.replace(/\+.*$/, '').lastIndexOf('-') + 1);
    const v = semver.build(rev) === '+incompatible' ? rev.slice(0, -'+incompatible'.length) : rev;
    return this.tagPrefix + v;
  }

  /** findDir: the directory holding the module at that version, with its go.mod (§4.4). Throws ModuleVersionError. */
  /** pinned: the commit to read instead of what the version's tag names now (the one its .info was first served from). */
  async findDir(version: string, pinned?: string): Promise<FoundDir> {
    if (!semver.isValid(version)) throw new ModuleVersionError(this.modPath, version, 'invalid version: syntax error');
    const rev = await this.code.stat(pinned ?? this.revToRev(version)).catch((err: unknown) => {
      // git's own failure (the fetch for a commit pushed since, our full disk, a timeout) is no verdict on the
      // version: a 502, 503 or 504 (direct-source.ts), not a 404.
      if (isGitFailure(err)) throw err;
      const why = pinned === undefined ? (err as Error).message : `the commit ${pinned} its .info was served from is no longer in the repository`;
      throw new ModuleVersionError(this.modPath, version, `invalid version: ${why}`);
    });
    // As the go command's findDir, the reasons name the revision the version maps to (a pseudo-version's hash).
    const fail = (msg: string): never => {
      throw new ModuleVersionError(this.modPath, version, `invalid version: ${msg} at revision ${this.revToRev(version)}`);
    };
    const file1 = this.codeDir === '' ? 'go.mod' : `${this.codeDir}/go.mod`;
    const gomod1 = await this.code.readFile(rev.name, file1, GO_MOD_READ_LIMIT);
    const mpath1 = gomod1 === undefined ? '' : modulePathOf(gomod1);
    const found1 = gomod1 !== undefined && (isMajor(mpath1, this.pathMajor) || (this.pathMajor === '' && mpath1.startsWith('gopkg.in/')));
    let file2 = '';
    if (this.pathMajor !== '' && this.codeRoot !== this.modPath && !this.pathMajor.startsWith('.')) {
      const dir2 = this.codeDir === '' ? this.pathMajor.slice(1) : `${this.codeDir}/${this.pathMajor.slice(1)}`;
      file2 = `${dir2}/go.mod`;
      const gomod2 = await this.code.readFile(rev.name, file2, GO_MOD_READ_LIMIT);
      const mpath2 = gomod2 === undefined ? '' : modulePathOf(gomod2);
      const found2 = gomod2 !== undefined && isMajor(mpath2, this.pathMajor);
      if (found1 && found2) fail(`${this.pathPrefix}/${file1} and ...${this.pathMajor}/go.mod both have ...${this.pathMajor} module paths`);
      if (found2) return { rev, dir: dir2, goMod: gomod2 };
      if (gomod2 !== undefined) fail(this.wrongGoMod(`${this.codeRoot}/${file2}`, mpath2, '', version));
    }
    if (found1) return { rev, dir: this.codeDir, goMod: gomod1 };
    if (gomod1 !== undefined) fail(this.wrongGoMod(file1, mpath1, file2 === '' ? '' : ` (and ...${this.pathMajor}/go.mod does not exist)`, version));
    if (this.codeDir === '' && (this.pathMajor === '' || this.pathMajor.startsWith('.'))) return { rev, dir: '' };
    return fail(file2 !== '' ? `missing ${this.pathPrefix}/go.mod and ...${this.pathMajor}/go.mod` : `missing ${this.pathPrefix}/go.mod`);
  }

  /** Why a go.mod whose module path does not fit this module's major version is refused, in the go command's words. */
  private wrongGoMod(file: string, mpath: string, suffix: string, version: string): string {
    if (mpath === '') return `${file} is missing module path${suffix}`;
    if (this.pathMajor !== '') return `${file} has non-...${this.pathMajor} module path "${mpath}"${suffix}`;
    if (!splitPathVersion(mpath).ok) return `${file} has malformed module path "${mpath}"${suffix}`;
    return `${file} has post-${semver.major(version)} module path "${mpath}"${suffix}`;
  }

  /** The .mod bytes of a version whose Stat has been checked: its go.mod, or the synthesized one. */
  async goModOf(version: string, pinned?: string): Promise<Buffer> {
    const found = await this.findDir(version, pinned);
    return found.goMod ?? Buffer.from(synthesizedGoMod(this.modPath));
  }

  /** retractedVersions: a predicate from the go.mod of the highest listed release (or prerelease). */
  retracted(): Promise<(v: string) => boolean> {
    return this.code.memo(`retracted:${this.codeRoot}:${this.modPath}`, () => this.computeRetracted());
  }

  private async computeRetracted(): Promise<(v: string) => boolean> {
    const none = (): boolean => false;
    try {
      const list = (await this.versions()).filter((v) => !v.endsWith('+incompatible'));
      const highest = [...list].reverse().find((v) => semver.prerelease(v) === '') ?? list[list.length - 1];
      if (highest === undefined) return none;
      const intervals = retractions(await this.goModOf(highest));
      return (v) => isRetracted(v, intervals);
    } catch (err) {
      // Retractions that cannot be read are none, as for the go command. But git failing (the shutdown's stop, a
      // timeout) is no answer, and this one is shared with every fill until the next refresh (memo), where it would
      // move pseudo-version bases and @latest: it fails instead, and is not remembered.
      if (isGitFailure(err)) throw err;
      return none;
    }
  }
}
