// `gomodproxy token create|list|revoke`: access tokens, stored hashed where the servers of the same settings
// look them up (the coordinator: <data>/coord, or a shared database). A new token is printed once.
import { openAdminCoordinator } from '../app/admin-coordinator.js';
import { closeSync, openSync } from 'node:fs';
import { userInfo } from 'node:os';
import { appendAudit } from '../audit/audit-log.js';
import type { AuditEvent } from '../audit/audit-log.js';
import { localFileProblem } from './file-errors.js';
import { reportUsage, UsageError } from './args.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { CliIO, Command } from './io.js';
import type { Config } from '../config/schema.js';
import { parseLifetime as lifetimeMs } from '../config/units.js';
import { checkCreate, nothingToRevoke, TokenInputError, tokenStatus, TokenStore } from '../auth/token-store.js';
import type { CreateOptions } from '../auth/token-store.js';

export const TOKEN_HELP = `Usage:
  gomodproxy token create --name NAME --scope SCOPE [--scope SCOPE]… [--expires 90d] [flags]
  gomodproxy token list [--json] [flags]
  gomodproxy token revoke NAME|ID [flags]

Access tokens for --auth private|all and for publishing. A scope is read:GLOB, publish:GLOB (GLOB in
GOPRIVATE syntax, e.g. 'corp.example.com/*'; a comma list is allowed) or admin (everything). create prints
the token once on stdout: give it to the go command as the password in .netrc (any login) or as a Bearer
token (GOAUTH, Go 1.24+); only its hash is kept. Give these commands the settings the server runs with
(--data, --config, GOMODPROXY_*): tokens live in its coordinator's values.

  --name NAME       a name for the token (shown in the audit log, never the token)
  --scope SCOPE     read:GLOB, publish:GLOB or admin (repeatable)
  --expires AGE     lifetime: 90d, 12h, 30m (default: never)
  --json            list as JSON

Flags (the same settings as serve):
${configFlagsHelp()}
`;

const EXTRA = {
  name: { type: 'string' },
  scope: { type: 'string', multiple: true },
  expires: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export const token: Command = withConfig(
  'token',
  TOKEN_HELP,
  async (config, io, values, positionals) => {
    const [sub, ...args] = positionals;
    // A mistake in the command line (exit 2), a token's name, scopes and lifetime included, is told before the
    // coordinator (perhaps a remote database) is opened; what depends on the tokens there (exit 1) only after.
    let asked: CreateOptions | undefined;
    try {
      const usage = usageMistake(sub, args, values);
      if (usage !== undefined) throw new UsageError(usage);
      if (sub === 'create') asked = createOptions(values);
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(io, 'token', err);
      throw err;
    }
    // An audit log that cannot be opened (a missing folder, no permission) refuses before a token is made or revoked.
    const refused = auditUnwritable(config.audit.log);
    if (refused !== undefined) {
      io.stderr.write(`gomodproxy token: cannot write the audit log (--audit-log): ${refused}; nothing was changed\n`);
      return 1;
    }
    const coord = await openAdminCoordinator(config);
    const store = new TokenStore(coord);
    try {
      if (asked !== undefined) return await create(store, config, io, asked);
      if (sub === 'list') return await list(store, io, values.json === true);
      return await revoke(store, config, io, args[0] as string);
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(io, 'token', err);
      io.stderr.write(`gomodproxy token: ${(err as Error).message}\n`);
      return 1;
    } finally {
      await coord.close();
    }
  },
  EXTRA,
  true,
);

/** What is wrong with `token SUB ARGS…`, or undefined when it names a sub-command with its arguments. */
function usageMistake(sub: string | undefined, args: readonly string[], values: Record<string, unknown>): string | undefined {
  if (sub === undefined) return 'a sub-command is needed: create, list or revoke';
  if (sub !== 'create' && sub !== 'list' && sub !== 'revoke') return `unknown sub-command ${JSON.stringify(sub)}; want create, list or revoke`;
  // A flag of another sub-command would be ignored: `token list --name ci` lists every token, not ci's.
  const stray = Object.keys(EXTRA).find((flag) => values[flag] !== undefined && !FLAGS_OF[sub].includes(flag));
  if (stray !== undefined) return `option '--${stray}' is not one of ${sub}'s`;
  if (sub === 'revoke' && args.length === 0) return 'revoke needs the name or id of the token';
  const extra = sub === 'revoke' ? args[1] : args[0];
  return extra === undefined ? undefined : `unexpected argument ${JSON.stringify(extra)} for ${sub}`;
}

const FLAGS_OF: Readonly<Record<'create' | 'list' | 'revoke', readonly string[]>> = { create: ['name', 'scope', 'expires'], list: ['json'], revoke: [] };

/** `90d`, `12h`, `30m`, or any duration the settings accept. */
export function parseLifetime(text: string): number {
  const ms = lifetimeMs(text);
  if (ms === undefined) throw new UsageError(`--expires ${JSON.stringify(text)}: use e.g. 90d, 12h or 30m`);
  return ms;
}

/** The token `create` asks for, checked as far as the command line alone can tell; throws UsageError. */
function createOptions(values: Record<string, unknown>): CreateOptions {
  const name = values.name as string | undefined;
  if (name === undefined) throw new UsageError("option '--name' is required");
  const expires = values.expires as string | undefined;
  const asked = { name, scopes: (values.scope as string[] | undefined) ?? [], expiresInMs: expires === undefined ? undefined : parseLifetime(expires) };
  try {
    checkCreate(asked);
  } catch (err) {
    throw err instanceof TokenInputError ? new UsageError(err.message) : err;
  }
  return asked;
}

async function create(store: TokenStore, config: Readonly<Config>, io: CliIO, asked: CreateOptions): Promise<number> {
  const { record, token } = await store.create(asked);
  io.stdout.write(`${token}\n`);
  io.stderr.write(
    `created token ${JSON.stringify(record.name)} (id ${record.id}; ${record.scopes.join(', ')}; expires ${record.expires ?? 'never'}): it is shown only now\n`,
  );
  return audited(
    config,
    io,
    { event: 'token.created', token: record.name, tokenId: record.id, scopes: record.scopes, expires: record.expires, ...fromCommandLine() },
    'created',
  );
}

async function list(store: TokenStore, io: CliIO, json: boolean): Promise<number> {
  const now = new Date();
  const rows = (await store.list()).map((r) => ({
    id: r.id,
    name: r.name,
    scopes: r.scopes,
    created: r.created,
    expires: r.expires,
    status: tokenStatus(r, now),
  }));
  if (json) {
    io.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
    return 0;
  }
  if (rows.length === 0) {
    io.stdout.write('no tokens\n');
    return 0;
  }
  const table = [['ID', 'NAME', 'STATUS', 'EXPIRES', 'SCOPES'], ...rows.map((r) => [r.id, r.name, r.status, r.expires ?? 'never', r.scopes.join(' ')])];
  const widths = table[0]?.map((_, i) => Math.max(...table.map((row) => (row[i] as string).length))) ?? [];
  io.stdout.write(table.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] as number))).join('  ')).join('\n') + '\n');
  return 0;
}

async function revoke(store: TokenStore, config: Readonly<Config>, io: CliIO, nameOrId: string): Promise<number> {
  const r = await store.revoke(nameOrId);
  if (r === undefined) {
    // Revoked already: what was asked holds (exit 0, as unpin of a version not pinned). A name or id of no
    // token at all may be a typo that left the token meant working: exit 1.
    const why = nothingToRevoke(await store.list(), nameOrId);
    if (why.already) {
      io.stdout.write(`${why.message}\n`);
      return 0;
    }
    io.stderr.write(`gomodproxy token: ${why.message}; 'gomodproxy token list' shows them\n`);
    return 1;
  }
  io.stdout.write(`revoked token ${JSON.stringify(r.name)} (id ${r.id}); servers refuse it within seconds\n`);
  return audited(config, io, { event: 'token.revoked', token: r.name, tokenId: r.id, ...fromCommandLine() }, 'revoked');
}

/**
 * Writes the audit record of what was done: 0, or 1 with one line when it cannot be written (a full disk). The
 * change is made by then and stays (the token printed is valid): the line says so, and why the record is missing.
 */
function audited(config: Readonly<Config>, io: CliIO, e: AuditEvent, done: 'created' | 'revoked'): number {
  try {
    appendAudit(config.audit.log, e, io.stderr);
    return 0;
  } catch (err) {
    const why = localFileProblem(err, config.audit.log) ?? (err as Error).message;
    io.stderr.write(`gomodproxy token: the token was ${done}, but its audit record could not be written (--audit-log): ${why}\n`);
    return 1;
  }
}

/** Why the audit log's file cannot be appended to, or undefined when it can (or there is none). */
function auditUnwritable(destination: string): string | undefined {
  if (destination === '' || destination === '-') return undefined;
  try {
    closeSync(openSync(destination, 'a', 0o600));
    return undefined;
  } catch (err) {
    const why = localFileProblem(err, destination);
    if (why === undefined) throw err;
    return why;
  }
}

/** Who acted, for the audit log: a command has no client address, but it has the account that ran it. */
function fromCommandLine(): { via: string; user?: string } {
  try {
    return { via: 'command line', user: userInfo().username };
  } catch {
    return { via: 'command line' };
  }
}
