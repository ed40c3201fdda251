// From a repository URL named in a push payload to the module paths it may hold the root of: the URL's host
// and path (`https://github.com/o/r.git` → github.com/o/r), and the same URL mapped back through the
// --direct-rewrite rules (TO → FROM), so a push to git.corp.example/go/lib reaches the vanity module
// go.corp.example/lib. Modules in subdirectories and major versions are found in storage by the caller.
import { checkPath } from '../protocol/module-path.js';
import type { RewriteRule } from '../vcs/remote-auth.js';

/** `git@host:o/r.git`, `ssh://git@host/o/r`, `https://host/o/r.git/` → `host/o/r`; undefined for anything else. */
export function pathOfUrl(url: string): string | undefined {
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+)$/.exec(url);
  let hostPath: string;
  if (scp !== null) hostPath = `${scp[1]}/${scp[2]}`;
  else {
    if (!URL.canParse(url)) return undefined;
    const u = new URL(url);
    if (!['https:', 'http:', 'ssh:', 'git:'].includes(u.protocol)) return undefined;
    hostPath = `${u.hostname}${decodeURIComponent(u.pathname)}`;
  }
  const p = hostPath.replace(/\/+$/, '').replace(/\.git$/, '');
  return checkPath(p) === undefined ? p : undefined;
}

export function modulesOfRepository(url: string, rules: readonly RewriteRule[]): string[] {
  const out = new Set<string>();
  const direct = pathOfUrl(url);
  if (direct !== undefined) out.add(direct);
  const slash = (s: string) => (s.endsWith('/') ? s : `${s}/`);
  const withSlash = slash(url.replace(/\.git\/?$/, ''));
  for (const r of rules) {
    if (!withSlash.startsWith(slash(r.to))) continue;
    const back = pathOfUrl(slash(r.from) + withSlash.slice(slash(r.to).length));
    if (back !== undefined) out.add(back);
  }
  return [...out];
}
