// Checks presented tokens: finds the record by the id in the token, compares hashes in constant time,
// refuses revoked and expired ones. Records are remembered briefly per process, so a busy client costs one
// coordinator read every few seconds; a revocation takes effect within that time everywhere.
import type { Scope, TokenRecord } from './token.js';
import { matchesHash, parseScope, tokenId } from './token.js';
import { isActive } from './token-store.js';

export interface Principal {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly Scope[];
}

export interface TokenLookup {
  get(id: string): Promise<TokenRecord | undefined>;
}

const MAX_REMEMBERED = 10_000;
/** How long a token verified as valid counts as known to this process (see knownValid). */
const KNOWN_VALID_MS = 15 * 60_000;

export class TokenVerifier {
  private readonly records = new Map<string, { record: TokenRecord | undefined; at: number }>();
  /** Ids of tokens verified as valid here, and when last. */
  private readonly valid = new Map<string, number>();

  constructor(
    private readonly store: TokenLookup,
    private readonly rememberMs = 5000,
    private readonly now: () => number = Date.now,
  ) {}

  /** The token's principal, or undefined for an unknown, wrong, revoked or expired token. */
  async verify(token: string): Promise<Principal | undefined> {
    const id = tokenId(token);
    if (id === undefined) return undefined;
    const record = await this.record(id);
    if (record === undefined || !isActive(record, new Date(this.now()))) {
      this.valid.delete(id);
      return undefined;
    }
    // A wrong secret for a known id says nothing about the token that has it: it stays known.
    if (!matchesHash(token, record.hash)) return undefined;
    if (this.valid.size >= MAX_REMEMBERED) this.valid.clear();
    this.valid.set(id, this.now());
    return { id: record.id, name: record.name, scopes: record.scopes.flatMap(safeScope) };
  }

  /**
   * Whether this process verified a token with this id as valid within the last 15 minutes: while an address is
   * refused for failed attempts (someone behind the same NAT or reverse proxy guessing), the tokens already in use
   * there keep working, and verify() still decides (a revocation applies as ever).
   */
  knownValid(token: string): boolean {
    const id = tokenId(token);
    const at = id === undefined ? undefined : this.valid.get(id);
    return at !== undefined && this.now() - at < KNOWN_VALID_MS;
  }

  private async record(id: string): Promise<TokenRecord | undefined> {
    const t = this.now();
    const known = this.records.get(id);
    if (known !== undefined && t - known.at < this.rememberMs) return known.record;
    const record = await this.store.get(id);
    if (this.records.size >= MAX_REMEMBERED) this.records.clear();
    this.records.set(id, { record, at: t });
    return record;
  }
}

/** A stored scope that no longer parses grants nothing (rather than failing every request of the token). */
function safeScope(s: string): Scope[] {
  try {
    return [parseScope(s)];
  } catch {
    return [];
  }
}
