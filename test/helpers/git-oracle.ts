// The two sides of the direct-mode oracle: the go command's own GOPROXY=direct (git insteadOf pointing
// github.com at the local git server) and the go command through gomodproxy with upstream `direct`.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { goEnv, parseJsonStream, runGo } from './go.js';
import type { GoCommand, GoEnv } from './go.js';
import { HOST } from './git-fixtures.js';

/** An environment for `GOPROXY=direct` whose git fetches https://github.com/… from gitServerUrl. */
export async function directGoEnv(gitServerUrl: string, go?: GoCommand): Promise<GoEnv> {
  const env = await goEnv('direct', { GOPRIVATE: `${HOST}/gmpfixture,${HOST}/GmpFixture`, GONOSUMDB: '*' }, go);
  const gitconfig = path.join(env.home, 'gitconfig');
  await writeFile(gitconfig, `[url "${gitServerUrl}/"]\n\tinsteadOf = https://${HOST}/\n[protocol]\n\tversion = 2\n`);
  env.env.GIT_CONFIG_GLOBAL = gitconfig;
  return env;
}

/** The gomodproxy flags that make its direct mode reach the same server. */
export function directProxyFlags(gitServerUrl: string): Record<string, string | string[]> {
  return { upstream: 'direct', 'direct-rewrite': [`https://${HOST}/=${gitServerUrl}/`] };
}

export interface ListedModule {
  Path: string;
  Version?: string;
  Versions?: string[];
  Time?: string;
  Error?: { Err: string };
  Origin?: unknown;
  GoMod?: string;
  Dir?: string;
  Query?: string;
}

export async function goListModules(env: GoEnv, args: string[], flags: string[] = []): Promise<ListedModule[]> {
  const result = await runGo(['list', '-m', '-e', '-json', ...flags, ...args], env.home, env);
  return parseJsonStream<ListedModule>(result.stdout);
}
