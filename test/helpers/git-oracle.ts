// The two sides of the direct-mode oracle: the go command's own GOPROXY=direct (git insteadOf pointing
// github.com at the local git server) and the go command through gomodproxy with upstream `direct`.
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { goEnv, parseJsonStream, runGo } from './go.js';
import type { GoCommand, GoEnv } from './go.js';
import { HOST } from './git-fixtures.js';
import { startGitServer } from './git-server.js';
import type { GitServer } from './git-server.js';
import { startProxy } from './proxy.js';
import type { RunningProxy } from './proxy.js';

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

/** The repositories under a directory, served over git's smart HTTP, and a gomodproxy whose direct mode reaches them. */
export interface DirectOracle {
  readonly git: GitServer;
  readonly proxy: RunningProxy;
  /** Stops both and removes the directory. */
  close(): Promise<void>;
}

export async function startDirectOracle(root: string): Promise<DirectOracle> {
  const git = await startGitServer(root);
  const proxy = await startProxy(directProxyFlags(git.url));
  return {
    git,
    proxy,
    close: async () => {
      await proxy.close();
      await git.close();
      await rm(root, { recursive: true, force: true });
    },
  };
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
