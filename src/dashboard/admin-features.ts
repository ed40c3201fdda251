// Admin features that other parts of gomodproxy provide (access tokens, pinned versions): each is a small
// port the composition root fills in when the feature exists; an absent one is "not available in this build".
import type { PinList, PinRow, TokenRow } from './api-types.js';

/** A token as the Admin view lists it: never its secret, never the hash kept of it. */
export type TokenInfo = TokenRow;

export interface NewToken {
  readonly name: string;
  readonly scopes: readonly string[];
  /** A lifetime as `token create --expires` takes it (90d, 12h, 30m); none: never expires. */
  readonly expires?: string;
}

/** Who asked for an admin change, for the audit log: the client address and the admin token's name, if any. */
export interface Actor {
  readonly client: string;
  readonly token?: string;
  readonly tokenId?: string;
}

/** A request the feature refuses as asked (a bad name, scope or lifetime; a name in use): a 400. */
export class AdminInputError extends Error {}

export interface TokenAdmin {
  list(): Promise<TokenInfo[]>;
  /** The new token and its secret, which is shown this once and kept nowhere. */
  create(t: NewToken, by: Actor): Promise<{ token: TokenInfo; secret: string }>;
  /** The revoked token, or undefined when no active token has this name or id. */
  revoke(nameOrId: string, by: Actor): Promise<TokenInfo | undefined>;
}

export type PinInfo = PinRow;

export interface PinAdmin {
  /** eviction: whether --cache-max-size or --cache-min-free applies (without either nothing is evicted and pins change nothing yet). */
  list(): Promise<PinList>;
  pin(modulePath: string, version: string): Promise<void>;
  /** false when the version was not pinned (with `gomodproxy pin`). */
  unpin(modulePath: string, version: string): Promise<boolean>;
  /** The --pin-from files of the server that list the version: it stays pinned while they do. */
  pinnedBy(modulePath: string, version: string): Promise<string[]>;
}

export interface AdminFeatures {
  readonly tokens?: TokenAdmin;
  readonly pins?: PinAdmin;
}

export const NOT_IN_BUILD = 'not available in this build';
