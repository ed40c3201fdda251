// Rewrite rules (git's insteadOf) and per-host credentials for direct mode. Credentials are bound to one
// host: they go into git's URL-scoped config (never argv) and into discovery requests for that host only.
import { readFileSync } from 'node:fs';

export interface RewriteRule {
  readonly from: string;
  readonly to: string;
}

/** Parses `FROM=TO` rules: a repository URL starting with FROM is fetched from TO + the rest. */
export function parseRewriteRules(rules: readonly string[]): RewriteRule[] {
  return rules.map((r) => {
    const i = r.indexOf('=');
    if (i <= 0 || i === r.length - 1)
      throw new Error(`rewrite rule ${JSON.stringify(r)}: use FROM=TO, e.g. https://github.com/corp/=https://git.corp.example/`);
    return { from: r.slice(0, i).trim(), to: r.slice(i + 1).trim() };
  });
}

/** git's insteadOf: the longest matching FROM wins; undefined when no rule applies. */
export function rewriteUrl(url: string, rules: readonly RewriteRule[]): string | undefined {
  let best: RewriteRule | undefined;
  for (const r of rules) if (url.startsWith(r.from) && (best === undefined || r.from.length > best.from.length)) best = r;
  return best === undefined ? undefined : best.to + url.slice(best.from.length);
}

/** One host's credential as an HTTP header line (`Authorization: Bearer …` or a custom header). */
export interface HostCredential {
  readonly header: string;
  readonly value: string;
}

/** Parses `HOST=bearer:TOKEN`, `HOST=basic:USER:PASSWORD` and `HOST=header:NAME:VALUE`. */
export function parseAuthEntry(entry: string): [string, HostCredential] {
  const i = entry.indexOf('=');
  const host = entry.slice(0, i).trim().toLowerCase();
  const spec = entry.slice(i + 1);
  const [kind, ...rest] = spec.split(':');
  const arg = rest.join(':');
  if (i > 0 && /^[a-z0-9.-]+(:\d+)?$/.test(host) && arg !== '') {
    if (kind === 'bearer') return [host, { header: 'Authorization', value: `Bearer ${arg}` }];
    if (kind === 'basic' && arg.includes(':')) return [host, basic(arg.slice(0, arg.indexOf(':')), arg.slice(arg.indexOf(':') + 1))];
    const colon = arg.indexOf(':');
    if (kind === 'header' && colon > 0 && /^[A-Za-z0-9-]+$/.test(arg.slice(0, colon))) {
      return [host, { header: arg.slice(0, colon), value: arg.slice(colon + 1).trim() }];
    }
  }
  // The message must not echo the secret.
  throw new Error(`credential entry for ${JSON.stringify(host || '?')}: use HOST=bearer:TOKEN, HOST=basic:USER:PASSWORD or HOST=header:NAME:VALUE`);
}

function basic(user: string, password: string): HostCredential {
  return { header: 'Authorization', value: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** The machine/login/password entries of a netrc file (the `default` entry is ignored, as by the go command). */
export function parseNetrc(text: string): Map<string, HostCredential> {
  const out = new Map<string, HostCredential>();
  const toks = text.split(/\s+/).filter((t) => t !== '');
  let machine: string | undefined;
  let login = '';
  let password = '';
  const flush = () => {
    if (machine !== undefined && !out.has(machine)) out.set(machine, basic(login, password));
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    if (t === 'machine' || t === 'default') {
      flush();
      machine = t === 'machine' ? toks[++i]?.toLowerCase() : undefined;
      login = '';
      password = '';
    } else if (t === 'login') login = toks[++i] ?? '';
    else if (t === 'password') password = toks[++i] ?? '';
    else if (t === 'macdef') break;
  }
  flush();
  return out;
}

/** Credentials by host (`host` or `host:port`), from the netrc file first and explicit entries on top. */
export class Credentials {
  private readonly byHost = new Map<string, HostCredential>();

  constructor(entries: readonly string[], netrcPath?: string) {
    if (netrcPath !== undefined && netrcPath !== '') for (const [h, c] of parseNetrc(readFileSync(netrcPath, 'utf8'))) this.byHost.set(h, c);
    for (const e of entries) {
      const [h, c] = parseAuthEntry(e);
      this.byHost.set(h, c);
    }
  }

  /** The credential for exactly this URL's host, if any. */
  forUrl(url: string): HostCredential | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
    return this.byHost.get(u.host.toLowerCase()) ?? this.byHost.get(u.hostname.toLowerCase());
  }

  /**
   * git settings for fetching from url: the header scoped to that URL's origin, with redirects off so git cannot
   * carry it to another host. Empty when the host has no credential.
   */
  gitConfig(url: string): Array<[string, string]> {
    const cred = this.forUrl(url);
    if (cred === undefined) return [];
    const origin = new URL(url).origin;
    return [
      [`http.${origin}/.extraHeader`, `${cred.header}: ${cred.value}`],
      [`http.${origin}/.followRedirects`, 'false'],
    ];
  }
}
