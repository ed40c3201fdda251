// `gomodproxy publish DIR VERSION`: builds the module zip from a directory with the code direct mode uses
// (the module zip rules: exclusions, vendor, nested modules, size limits) and uploads it to a gomodproxy
// (PUT …/@v/<version>.zip) with a token from GOMODPROXY_TOKEN or .netrc.
import { readFile, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { Agent, request } from 'undici';
import { httpUrlFlag, parseCommandArgs, reportUsage, UsageError } from './args.js';
import type { CliIO, Command } from './io.js';
import { DEFAULT_PROXY_URL } from '../config/defaults.js';
import { writeModuleZip } from '../modzip/create-zip.js';
import { ModZipError } from '../modzip/zip-check.js';
import { escapePath, escapeVersion } from '../protocol/escape.js';
import { canonicalVersion } from '../protocol/module-path.js';
import { parseNetrc } from '../vcs/remote-auth.js';
import { modulePathOf } from '../vcs/go-mod-file.js';
import { filesInDir } from './publish-dir.js';
import { gitWorkTree } from './publish-git.js';
import { isLoopbackHost } from './listen-warning.js';
import { trustedCAs } from '../upstream/tls-trust.js';

const USAGE = `Usage: gomodproxy publish DIR VERSION [--url URL] [--insecure]

Builds the module zip of the module in DIR (its go.mod names the module) for VERSION (canonical, e.g.
v1.2.3) by the module zip rules, as 'go mod download' would produce it from a repository, and uploads it
to a gomodproxy (PUT <URL>/<module>/@v/<VERSION>.zip). In a git work tree only the files git tracks go in
(as from the commit: ignored and untracked files never do), and changes git has not committed there are
refused. The server checks it, records its hash in its own
checksum database and lists the version at once; the same content again is accepted, other content for
the same version is refused (409).

  --url URL     the gomodproxy (default $GOMODPROXY_URL, else ${DEFAULT_PROXY_URL})
  --insecure    allow sending the token over plain http to another machine

The token (with a publish scope for the module) comes from $GOMODPROXY_TOKEN, else from the .netrc entry
for the URL's host ($NETRC or ~/.netrc). For https with a private CA, set SSL_CERT_FILE or SSL_CERT_DIR as for the go command.
`;

export const publish: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseCommandArgs({
      args: argv,
      allowPositionals: true,
      options: { url: { type: 'string' }, insecure: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h', default: false } },
    });
    if (!parsed.values.help && parsed.positionals.length !== 2) throw new UsageError('give the module directory and the version: publish DIR VERSION');
    if (!parsed.values.help) {
      // What the command line alone gets wrong is a usage mistake (exit 2), told before any file is read.
      versionMistake(parsed.positionals[1] as string);
      if (parsed.values.url !== undefined) httpUrlFlag('--url', parsed.values.url);
    }
  } catch (err) {
    return reportUsage(io, 'publish', err as Error);
  }
  if (parsed.values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  const [dirArg, version] = parsed.positionals as [string, string];
  const fail = (message: string) => (io.stderr.write(`gomodproxy publish: ${message}\n`), 1);
  const base = (parsed.values.url ?? io.env.GOMODPROXY_URL ?? DEFAULT_PROXY_URL).replace(/\/+$/, '');
  let url: URL;
  try {
    url = httpUrlFlag('GOMODPROXY_URL', base);
  } catch (err) {
    // Only the environment's can be wrong here (the flag's was checked above): a setting, exit 1 as for serve's.
    return fail((err as Error).message);
  }
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !parsed.values.insecure) {
    return fail(`${url.origin} is plain http: the token would cross the network readable by anyone on the way; use https (or --insecure)`);
  }
  const dir = path.resolve(io.cwd, dirArg);
  const goMod = await readFile(path.join(dir, 'go.mod'), 'utf8').catch(() => undefined);
  if (goMod === undefined) return fail(`${dir} has no go.mod: the module path comes from it`);
  const modulePath = modulePathOf(goMod);
  if (modulePath === '') return fail(`${path.join(dir, 'go.mod')} has no module line`);

  let git;
  try {
    git = await gitWorkTree(dir);
  } catch (err) {
    return fail(`${dir}: ${(err as Error).message}`);
  }
  if (git.kind === 'dirty') {
    const shown = git.changes.slice(0, 5).join(', ') + (git.changes.length > 5 ? `, and ${git.changes.length - 5} more` : '');
    return fail(
      `${dir} has changes git has not committed (${shown}): commit them, or remove them or list them in .gitignore, and publish again; ` +
        'the go command makes a module zip from a commit, and a published version never changes',
    );
  }

  const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-publish-'));
  try {
    const zip = path.join(tmp, 'module.zip');
    let h1: string;
    try {
      ({ h1 } = await writeModuleZip(await filesInDir(dir, git.kind === 'clean' ? git.tracked : undefined), modulePath, version, zip));
    } catch (err) {
      if (err instanceof ModZipError) return fail(`${modulePath}@${version}: ${err.message}`);
      throw err;
    }
    // Only now: what is wrong with the directory or the version is told first, with or without a token.
    const token = io.env.GOMODPROXY_TOKEN ?? (await netrcPassword(io, url.hostname));
    if (token === undefined || token === '')
      return fail(`no token: set GOMODPROXY_TOKEN or add 'machine ${url.hostname} login gomodproxy password <token>' to .netrc`);
    const target = `${base}/${escapePath(modulePath)}/@v/${escapeVersion(version)}.zip`;
    const answer = await upload(target, zip, token, io);
    if (answer.status >= 200 && answer.status < 300) {
      io.stdout.write(answer.body.endsWith('\n') ? answer.body : `${answer.body}\n`);
      io.stderr.write(`${modulePath}@${version} ${h1}\n`);
      return 0;
    }
    return fail(`${target}: ${answer.status}: ${answer.body.trim()}`);
  } catch (err) {
    return fail((err as Error).message);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
};

/** VERSION as the proxy serves it (vX.Y.Z[-pre][+incompatible]); throws UsageError. */
function versionMistake(version: string): void {
  const canonical = canonicalVersion(version);
  if (canonical === '') throw new UsageError(`version ${JSON.stringify(version)} is not a semantic version: give a canonical one, such as v1.2.3`);
  if (canonical !== version) throw new UsageError(`version ${JSON.stringify(version)} is not canonical (should be ${JSON.stringify(canonical)})`);
}

async function upload(target: string, file: string, token: string, io: CliIO): Promise<{ status: number; body: string }> {
  const ca = trustedCAs(io.env);
  const dispatcher = new Agent(ca === undefined ? {} : { connect: { ca } });
  try {
    const { size } = await stat(file);
    const res = await request(target, {
      method: 'PUT',
      dispatcher,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/zip', 'content-length': String(size) },
      body: createReadStream(file),
    });
    return { status: res.statusCode, body: await res.body.text() };
  } finally {
    await dispatcher.close();
  }
}

export async function netrcPassword(io: CliIO, host: string): Promise<string | undefined> {
  const file = io.env.NETRC ?? path.join(io.env.HOME ?? homedir(), '.netrc');
  const text = await readFile(file, 'utf8').catch(() => undefined);
  const cred = text === undefined ? undefined : parseNetrc(text).get(host.toLowerCase());
  if (cred === undefined) return undefined;
  // parseNetrc gives the Basic header; the password is the token.
  const decoded = Buffer.from(cred.value.replace(/^Basic /, ''), 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1);
}

/** This machine: a loopback address or localhost (a name such as 127.attacker.example is not one). */
export function isLoopback(host: string): boolean {
  return isLoopbackHost(host);
}
