// Where tokens live: hashed records in the coordinator's values (`auth/token/<id>`), so every worker and
// replica sharing a coordinator agrees — the local coordinator keeps them under <data>/coord, PostgreSQL
// or Redis in their database. An index value lists the ids for `token list`; checking a token needs only
// its own record.
import type { Coordinator } from '../coord/coordinator.js';
import type { TokenRecord } from './token.js';
import { hashToken, newToken, parseScope } from './token.js';

const INDEX = 'auth/tokens';
const recordKey = (id: string) => `auth/token/${id}`;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;

export interface CreateOptions {
  readonly name: string;
  readonly scopes: readonly string[];
  /** Lifetime in ms; none: the token never expires. */
  readonly expiresInMs?: number;
  readonly now?: Date;
}

/** A token that cannot be created as asked (a bad name or scope, a name in use): the asker's mistake. */
export class TokenInputError extends Error {}

export class TokenStore {
  constructor(private readonly coord: Coordinator) {}

  /** Creates a token; the token itself is returned once and never stored. Throws on a bad or taken name. */
  async create(opts: CreateOptions): Promise<{ record: TokenRecord; token: string }> {
    const now = opts.now ?? new Date();
    const expires = checkCreate({ ...opts, now });
    if ((await this.list()).some((r) => r.name === opts.name && isActive(r, now))) {
      throw new TokenInputError(`a token named ${JSON.stringify(opts.name)} already exists; revoke it first or choose another name`);
    }
    const { id, token } = newToken();
    const record: TokenRecord = {
      id,
      name: opts.name,
      scopes: [...opts.scopes].map((s) => s.trim()),
      created: now.toISOString(),
      ...(expires === undefined ? {} : { expires: expires.toISOString() }),
      hash: hashToken(token),
    };
    if (!(await this.coord.cas(recordKey(id), undefined, JSON.stringify(record)))) throw new Error('token id collision; try again');
    await this.update(INDEX, (ids) => [...ids, id]);
    return { record, token };
  }

  async get(id: string): Promise<TokenRecord | undefined> {
    const raw = await this.coord.get(recordKey(id));
    return raw === undefined ? undefined : (JSON.parse(raw) as TokenRecord);
  }

  async list(): Promise<TokenRecord[]> {
    const ids = parseIds(await this.coord.get(INDEX));
    const records = await Promise.all(ids.map((id) => this.get(id)));
    return records.filter((r): r is TokenRecord => r !== undefined);
  }

  /** Revokes the active token with this name or id; returns it, or undefined when there is none. */
  async revoke(nameOrId: string, now = new Date()): Promise<TokenRecord | undefined> {
    const target = (await this.list()).find((r) => (r.id === nameOrId || r.name === nameOrId) && r.revoked === undefined);
    if (target === undefined) return undefined;
    for (;;) {
      const raw = await this.coord.get(recordKey(target.id));
      if (raw === undefined) return undefined;
      const revoked: TokenRecord = { ...(JSON.parse(raw) as TokenRecord), revoked: now.toISOString() };
      if (await this.coord.cas(recordKey(target.id), raw, JSON.stringify(revoked))) return revoked;
    }
  }

  /** Compare-and-set until it sticks: two `token create` at once must not lose an id. */
  private async update(key: string, change: (ids: string[]) => string[]): Promise<void> {
    for (;;) {
      const raw = await this.coord.get(key);
      if (await this.coord.cas(key, raw, JSON.stringify(change(parseIds(raw))))) return;
    }
  }
}

/**
 * Why revoking `nameOrId` changed nothing (no active token has that name or id): a token of it is already
 * revoked (the latest one is named), or there is none at all. `already` tells them apart: asking again for
 * what already holds is no mistake, while a name that matches nothing may be a typo that left the meant token working.
 */
export function nothingToRevoke(records: readonly Pick<TokenRecord, 'id' | 'name' | 'revoked'>[], nameOrId: string): { already: boolean; message: string } {
  let latest: Pick<TokenRecord, 'id' | 'name' | 'revoked'> | undefined;
  for (const r of records)
    if ((r.id === nameOrId || r.name === nameOrId) && r.revoked !== undefined && (latest === undefined || r.revoked > (latest.revoked as string))) latest = r;
  if (latest !== undefined)
    return { already: true, message: `token ${JSON.stringify(latest.name)} (id ${latest.id}) is already revoked, since ${latest.revoked}: nothing to do` };
  return { already: false, message: `no token is named or has the id ${JSON.stringify(nameOrId)}` };
}

export function isActive(r: TokenRecord, now: Date): boolean {
  return r.revoked === undefined && (r.expires === undefined || Date.parse(r.expires) > now.getTime());
}

export function tokenStatus(r: TokenRecord, now: Date): 'active' | 'expired' | 'revoked' {
  if (r.revoked !== undefined) return 'revoked';
  return isActive(r, now) ? 'active' : 'expired';
}

/**
 * What is wrong with a token asked for, whatever tokens exist (its name, scopes and lifetime), thrown as
 * TokenInputError: the command line tells it before it opens the coordinator. Returns when it expires.
 */
export function checkCreate(opts: CreateOptions): Date | undefined {
  if (!NAME.test(opts.name)) throw new TokenInputError(`token name ${JSON.stringify(opts.name)}: use letters, digits, '.', '_', '@' and '-' (at most 100)`);
  if (opts.scopes.length === 0) throw new TokenInputError('a token needs at least one --scope (read:GLOB, publish:GLOB or admin)');
  for (const s of opts.scopes) checkScope(s);
  const now = opts.now ?? new Date();
  const expires = opts.expiresInMs === undefined ? undefined : new Date(now.getTime() + opts.expiresInMs);
  if (expires !== undefined && Number.isNaN(expires.getTime()))
    throw new TokenInputError('the token would expire past the year 275760: choose a shorter lifetime, or none');
  return expires;
}

function checkScope(s: string): void {
  try {
    parseScope(s);
  } catch (err) {
    throw new TokenInputError((err as Error).message);
  }
}

function parseIds(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const v: unknown = JSON.parse(raw);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}
