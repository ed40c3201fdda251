// Parses a GOPROXY-syntax list exactly as cmd/go's proxyList does (go-module-protocols.md §1.5):
// the separator AFTER an entry decides whether the next entry is tried on any error (`|`) or only on not-found (`,`).
import { goTrimSpace } from '../protocol/go-space.js';

export type ProxyEntry =
  | { readonly kind: 'url'; readonly url: string; readonly fallBackOnError: boolean }
  | { readonly kind: 'direct'; readonly fallBackOnError: false }
  | { readonly kind: 'off'; readonly fallBackOnError: false };

export class ProxyListError extends Error {}

const KEYWORD = /^[A-Za-z0-9_-]+$/;

/**
 * Splits `value` into entries. `off` and `direct` end the list (later entries are ignored, as in cmd/go).
 * A bare host such as `proxy.example.com` gets `https://`; a URL must be http(s) or file.
 * Throws ProxyListError with a clear reason on anything the go command would reject.
 */
export function parseProxyList(value: string): ProxyEntry[] {
  const entries: ProxyEntry[] = [];
  let rest = value;
  while (rest !== '') {
    const i = rest.search(/[,|]/);
    let raw: string;
    let fallBackOnError = false;
    if (i >= 0) {
      raw = rest.slice(0, i);
      fallBackOnError = rest[i] === '|';
      rest = rest.slice(i + 1);
    } else {
      raw = rest;
      rest = '';
    }
    const item = goTrimSpace(raw);
    if (item === '') continue;
    if (item === 'off') {
      entries.push({ kind: 'off', fallBackOnError: false });
      break;
    }
    if (item === 'direct') {
      entries.push({ kind: 'direct', fallBackOnError: false });
      break;
    }
    entries.push({ kind: 'url', url: normalizeProxyURL(item), fallBackOnError });
  }
  if (entries.length === 0) {
    // cmd/go's words for a list of separators and spaces; an empty value is the go command's default there, and a mistake here.
    throw new ProxyListError(
      value === '' ? 'the list is empty: give a proxy URL, direct or off' : 'GOPROXY list is not the empty string, but contains no entries',
    );
  }
  return entries;
}

function normalizeProxyURL(item: string): string {
  const shown = JSON.stringify(hideUserinfo(item));
  let url = item;
  if (/[.:/]/.test(url) && !url.includes(':/') && !url.startsWith('/')) url = `https://${url}`;
  if (KEYWORD.test(item) && !url.includes('/')) {
    throw new ProxyListError(`invalid proxy URL ${shown}: missing scheme (a bare word is reserved for keywords)`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ProxyListError(`invalid proxy URL ${shown}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== 'file:') {
    throw new ProxyListError(`invalid proxy URL ${shown}: scheme must be https, http or file`);
  }
  if (parsed.search !== '' || parsed.hash !== '') {
    throw new ProxyListError(`invalid proxy URL ${shown}: no query or fragment allowed`);
  }
  return url.replace(/\/+$/, '');
}

/** Formats entries back into GOPROXY syntax (used in messages and `doctor`). */
export function formatProxyList(entries: readonly ProxyEntry[]): string {
  let out = '';
  entries.forEach((e, i) => {
    out += e.kind === 'url' ? e.url : e.kind;
    if (i < entries.length - 1) out += e.fallBackOnError ? '|' : ',';
  });
  return out;
}

/** Removes user:password from a URL for logs and messages. */
/** A URL's user:password as the HTTP Basic credentials curl and Go's net/http send for it. */
export function basicAuth(u: URL): string {
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  return `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
}

export function redactURL(url: string): string {
  try {
    const u = new URL(url);
    if (u.username !== '' || u.password !== '') {
      u.username = '';
      u.password = '';
      return u.toString().replace(/\/$/, url.endsWith('/') ? '/' : '');
    }
  } catch {
    // not a URL: nothing to redact
  }
  return url;
}

/**
 * Text that may be a URL with `user:password@`, for a message about it: the userinfo replaced by `***`, also
 * when the rest does not parse (the very case a message is written for).
 */
export function hideUserinfo(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?)[^/?#]*@/i, '$1***@');
}

/** A GOPROXY-syntax list (as configured, so valid) with user:password removed from each URL, for logs and pages. */
export function redactProxyList(list: string): string {
  return formatProxyList(parseProxyList(list).map((e) => (e.kind === 'url' ? { ...e, url: redactURL(e.url) } : e)));
}
