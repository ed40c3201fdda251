// The `.info` JSON of a version resolved from git: Version, Time (the commit time, RFC 3339 in UTC) and an
// informational Origin like the go command's (VCS, URL, Subdir, Hash, Ref).
import { isPseudoVersion } from '../protocol/pseudo.js';
import type { CodeRepo } from './code-repo.js';
import type { ModRevInfo } from './convert.js';

/** Go's time.Time JSON form for whole seconds: 2019-11-09T02:19:31Z. */
export function goTime(t: Date): string {
  return t.toISOString().replace(/\.000Z$/, 'Z');
}

/** The .info answer; pseudo-versions also carry the TagPrefix and TagSum of the tags their base came from. */
export async function infoBody(repo: CodeRepo, info: ModRevInfo, statVers: string): Promise<Buffer> {
  const origin: Record<string, string> = { VCS: 'git', URL: repo.code.remoteUrl };
  if (repo.codeDir !== '') origin.Subdir = repo.codeDir;
  if (isPseudoVersion(info.version) && (info.version !== statVers || !info.version.startsWith('v0.0.0-'))) {
    const prefix = repo.tagPrefix + (repo.pathMajor === '' ? '' : `${repo.pathMajor.slice(1)}.`);
    if (prefix !== '') origin.TagPrefix = prefix;
    origin.TagSum = await repo.code.tagSum(prefix);
  }
  origin.Hash = info.rev.name;
  if (info.rev.ref !== undefined) origin.Ref = info.rev.ref;
  const time = goTime(info.time);
  return Buffer.from(JSON.stringify({ Version: info.version, Time: time, Origin: origin }));
}
