// Admin features that other parts of gomodproxy provide (access tokens, pinned versions): each is a small
// port the composition root fills in when the feature exists; an absent one is "not available in this build".

export interface TokenInfo {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly created?: string;
  readonly lastUsed?: string;
}

export interface TokenAdmin {
  list(): Promise<TokenInfo[]>;
}

export interface PinInfo {
  readonly module: string;
  readonly version: string;
  readonly note?: string;
}

export interface PinAdmin {
  list(): Promise<PinInfo[]>;
}

export interface AdminFeatures {
  readonly tokens?: TokenAdmin;
  readonly pins?: PinAdmin;
}

export const NOT_IN_BUILD = 'not available in this build';
