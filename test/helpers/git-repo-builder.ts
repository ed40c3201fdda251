// Builds real git repositories for the direct-mode tests: files, symlinks, commits with fixed dates,
// lightweight and annotated tags, branches and orphan branches, all through the git binary.
import { execFile } from 'node:child_process';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Files to write: text content, or { link } for a symlink. */
export type FileSpec = Record<string, string | { link: string }>;

export class GitRepoBuilder {
  private clock: number;

  private constructor(
    readonly dir: string,
    startUnix: number,
  ) {
    this.clock = startUnix;
  }

  static async init(dir: string, startUnix = 1_600_000_000): Promise<GitRepoBuilder> {
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    const b = new GitRepoBuilder(dir, startUnix);
    await b.git('init', '-q', '-b', 'main');
    return b;
  }

  async git(...args: string[]): Promise<string> {
    const date = `${this.clock} +0000`;
    const env = {
      PATH: process.env.PATH,
      HOME: this.dir,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.com',
      GIT_COMMITTER_NAME: 'Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.com',
      GIT_AUTHOR_DATE: date,
      GIT_COMMITTER_DATE: date,
    };
    const { stdout } = await exec('git', ['-C', this.dir, '-c', 'core.autocrlf=false', ...args], { env });
    return stdout.trim();
  }

  async write(files: FileSpec): Promise<this> {
    for (const [name, content] of Object.entries(files)) {
      const file = path.join(this.dir, name);
      await mkdir(path.dirname(file), { recursive: true });
      await rm(file, { force: true });
      if (typeof content === 'string') await writeFile(file, content);
      else await symlink(content.link, file);
    }
    return this;
  }

  async remove(...names: string[]): Promise<this> {
    await this.git('rm', '-q', '-r', '--', ...names);
    return this;
  }

  /** Commits everything (an hour after the previous commit) and returns the hash. */
  async commit(files: FileSpec = {}, message = 'change'): Promise<string> {
    await this.write(files);
    this.clock += 3600;
    await this.git('add', '-A');
    await this.git('commit', '-q', '--allow-empty', '-m', message);
    return this.git('rev-parse', 'HEAD');
  }

  async tag(name: string, annotated = false): Promise<this> {
    if (annotated) await this.git('tag', '-a', name, '-m', `release ${name}`);
    else await this.git('tag', name);
    return this;
  }

  async branch(name: string, from?: string): Promise<this> {
    await this.git('checkout', '-q', '-b', name, ...(from === undefined ? [] : [from]));
    return this;
  }

  async checkout(name: string): Promise<this> {
    await this.git('checkout', '-q', name);
    return this;
  }

  /** A branch with no history, its tree emptied. */
  async orphan(name: string): Promise<this> {
    await this.git('checkout', '-q', '--orphan', name);
    await this.git('rm', '-q', '-r', '-f', '--ignore-unmatch', '.');
    return this;
  }
}
