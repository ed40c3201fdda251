// Doctor check on credentials (§1.4): a GOPROXY entry on plain http to another machine that would carry
// credentials — user:password in its URL (sent in clear), or a .netrc entry for its host, which the go
// command sends only over https (so a proxy that needs a token answers 401 there).
import { formatProxyList, parseProxyList, redactURL } from '../protocol/proxy-list.js';
import type { ProxyEntry } from '../protocol/proxy-list.js';
import { finding } from './findings.js';
import type { Finding } from './findings.js';
import type { GoSettings } from './settings.js';

export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}

/** netrcHosts: the machine names of the user's .netrc, lower case. */
export function checkCredentials(s: GoSettings, netrcHosts: ReadonlySet<string>): Finding[] {
  let entries: ProxyEntry[];
  try {
    entries = parseProxyList(s.values.GOPROXY);
  } catch {
    return [];
  }
  const out: Finding[] = [];
  for (const e of entries) {
    if (e.kind !== 'url' || !e.url.startsWith('http:')) continue;
    const u = new URL(e.url);
    if (isLoopbackHost(u.hostname)) continue;
    const https = { set: [['GOPROXY', formatProxyList(entries.map((x) => (x === e ? { ...e, url: `https:${e.url.slice(5)}` } : x)))]] as const };
    const name = redactURL(e.url);
    if (u.username !== '' || u.password !== '') {
      out.push(
        finding(
          'credentials-plain-http',
          'warning',
          'GOPROXY',
          `${name} has credentials in its URL and uses plain http: they cross the network readable by anyone on the way. Use https.`,
          https,
        ),
      );
    } else if (netrcHosts.has(u.hostname.toLowerCase()) || netrcHosts.has(u.host.toLowerCase())) {
      out.push(
        finding(
          'credentials-plain-http',
          'warning',
          'GOPROXY',
          `.netrc has credentials for ${u.hostname}, but ${name} uses plain http: the go command sends them only over https, so modules that need them fail (401), and sending them over http would expose them. Use https.`,
          https,
        ),
      );
    }
  }
  return out;
}
