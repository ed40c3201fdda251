// The JSON the dashboard's views read from /api/v1/ (documented in the README; the server's shapes live
// in src/dashboard/). Only the fields the views use are spelled out.

export interface Totals {
  readonly requests: number;
  readonly errors: number;
  readonly hits: number;
  readonly misses: number;
  readonly stale: number;
  readonly bytes: number;
  readonly fillsInFlight: number;
  readonly verified: number;
  readonly mismatches: number;
  readonly verifyErrors: number;
}

export interface Series {
  readonly intervalMs: number;
  readonly t: number[];
  readonly requests: number[];
  readonly hitRatio: Array<number | null>;
  readonly errors: number[];
  readonly bytes: number[];
  readonly fills: number[];
  readonly verified: number[];
  readonly mismatches: number[];
  readonly upstreams: Record<string, { readonly latencyMs: Array<number | null>; readonly errors: number[] }>;
}

export interface UpstreamRow {
  readonly name: string;
  readonly kind: string;
  readonly list: string;
  readonly state: 'healthy' | 'idle' | 'half-open' | 'open';
  readonly requests: number;
  readonly errors: number;
  readonly meanLatencyMs: number | null;
}

export interface Ops {
  readonly now: Totals;
  readonly startedAt: number;
  readonly processes: number;
  readonly series: Series;
  readonly hitRatio: number | null;
  readonly upstreams: UpstreamRow[];
  readonly notConfigured: { readonly storageCap: string; readonly sync: string };
}

export interface Setup {
  readonly url: string;
  readonly goEnv: string[];
  readonly notes: string[];
  readonly snippets: Array<{ readonly format: string; readonly title: string; readonly text: string }>;
  readonly config: {
    readonly version: string;
    readonly upstream: string;
    readonly privateUpstream: string;
    readonly sumdbs: Array<{ readonly name: string; readonly url: string }>;
    readonly ownSumdb?: { readonly name: string; readonly verifierKey: string };
    readonly storage: string;
    readonly workers: number;
    readonly listen: string;
    readonly private: string[];
    readonly noSumdb: string[];
    readonly hiddenPatterns: number;
    readonly cache: { readonly listTTLms: number; readonly negativeTTLms: number; readonly memoryBytes: number };
  };
}

export interface SearchPage {
  readonly modules: string[];
  readonly cursor?: string;
}

export interface VersionRow {
  readonly version: string;
  readonly time?: string;
  readonly size?: number;
  readonly h1?: string;
  readonly goModH1?: string;
  readonly retracted: boolean;
  readonly downloads: number;
  readonly cached: string[];
}

export interface ModuleDetails {
  readonly path: string;
  readonly versions: VersionRow[];
  readonly notesFrom?: string;
  readonly deprecated?: string;
  readonly truncated: boolean;
}

export interface Verdict {
  readonly h1: string;
  readonly by: string[];
  readonly unknownTo?: string[];
  readonly skipped?: 'private' | 'nosumdb' | 'off';
  readonly at: string;
}

export interface VersionDetails {
  readonly path: string;
  readonly version: string;
  readonly time?: string;
  readonly size?: number;
  readonly h1?: string;
  readonly goModH1?: string;
  readonly goMod?: string;
  readonly verified: { readonly zip?: Verdict; readonly goMod?: Verdict };
  readonly ownDb?: { readonly name: string; readonly recorded: boolean; readonly id?: number; readonly h1?: string; readonly goModH1?: string };
  readonly downloads: number;
  readonly cached: string[];
}

export interface FileList {
  readonly files: Array<{ readonly name: string; readonly size: number }>;
  readonly truncated: boolean;
}

export interface Feature {
  readonly available: boolean;
  readonly reason?: string;
}

export interface Admin {
  readonly admin: boolean;
  /** Whether admin tokens count here (--auth private|all). */
  readonly tokensAccepted: boolean;
  /** The name of the token the request carried, when it carried a valid one. */
  readonly token?: string;
  readonly features: { readonly tokens: Feature; readonly pins: Feature; readonly purge: Feature };
}

export interface TokenRow {
  readonly id: string;
  readonly name: string;
  readonly scopes: string[];
  readonly created: string;
  readonly expires?: string;
  readonly revoked?: string;
  readonly status: 'active' | 'expired' | 'revoked';
}

export interface PinRow {
  readonly module: string;
  readonly version: string;
  readonly from: 'pin' | 'config';
}
