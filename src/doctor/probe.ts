// Probes one GOPROXY entry with real requests for `gomodproxy doctor`: a module it should know, that module's
// newest .info, and a module that cannot exist (which must answer 404 or 410, or the go command will not fall through).
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { interceptors, request } from 'undici';
import type { Dispatcher } from 'undici';
import { makeAgent } from '../bench/client.js';
import { escapePath, escapeVersion } from '../protocol/escape.js';
import { canonical, isValid, sortVersions } from '../protocol/semver.js';
import type { HostCredential } from '../vcs/remote-auth.js';

export interface Observation {
  readonly path: string;
  readonly status?: number;
  readonly contentType?: string;
  readonly ms: number;
  /** Network error (no answer at all); `timeout` tells a timeout apart. */
  readonly error?: string;
  readonly timeout?: boolean;
  readonly body?: string;
}

export interface ProbeResult {
  readonly url: string;
  readonly known: Observation;
  readonly info?: Observation;
  /** The version whose .info was asked for (the newest in the list). */
  readonly version?: string;
  readonly missing?: Observation;
}

export interface ProbeOptions {
  readonly module: string;
  /** The command's environment, for HTTPS_PROXY and friends (the go command honours them). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * The .netrc entries by machine (lower case): the go command sends a proxy's over https, so one that asks
   * for a token (gomodproxy --auth all) is probed as the go command meets it, not answered 401.
   */
  readonly netrc?: ReadonlyMap<string, HostCredential>;
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

/** A path that passes CheckPath but can never resolve (.invalid is reserved, RFC 2606). */
export const MISSING_MODULE = 'doctor-probe.invalid/no/such/module';
const MAX_BODY = 64 * 1024;

export async function probeProxy(url: string, opts: ProbeOptions): Promise<ProbeResult> {
  if (url.startsWith('file:')) return probeWith(url, fileGetter(url), opts);
  // go follows up to 10 redirects (§1.4); so do we, and the answer at the end is what counts.
  const agent = makeAgent(opts.env ?? {}, { connections: 2 });
  try {
    return await probeWith(url, httpGetter(url, agent.compose(interceptors.redirect({ maxRedirections: 10 })), opts), opts);
  } finally {
    await agent.close();
  }
}

async function probeWith(url: string, get: Getter, opts: ProbeOptions): Promise<ProbeResult> {
  const known = await get(`${escapePath(opts.module)}/@v/list`);
  if (known.error !== undefined) return { url, known };
  let info: Observation | undefined;
  const newest = known.status === 200 ? newestVersion(known.body ?? '') : undefined;
  if (newest !== undefined) info = await get(`${escapePath(opts.module)}/@v/${escapeVersion(newest)}.info`);
  const missing = await get(`${MISSING_MODULE}/@v/list`);
  return { url, known, info, version: newest, missing };
}

/** The highest canonical version of a list body (the exact-version rule of §1.3 then applies to its .info). */
function newestVersion(list: string): string | undefined {
  const versions = list
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((v) => isValid(v) && canonical(v) === v);
  return sortVersions(versions).at(-1);
}

type Getter = (rel: string) => Promise<Observation>;

function httpGetter(base: string, dispatcher: Dispatcher, opts: ProbeOptions): Getter {
  return async (rel) => {
    const t0 = performance.now();
    const signal = opts.signal ? AbortSignal.any([opts.signal, AbortSignal.timeout(opts.timeoutMs)]) : AbortSignal.timeout(opts.timeoutMs);
    try {
      const res = await request(`${base}/${rel}`, { dispatcher, signal, headers: credentialHeaders(base, opts.netrc) });
      const body = await readLimited(res.body);
      const ct = res.headers['content-type'];
      return { path: rel, status: res.statusCode, contentType: Array.isArray(ct) ? ct[0] : ct, ms: performance.now() - t0, body };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      const timeout = e.name === 'TimeoutError' || /timeout/i.test(e.code ?? '');
      const code = e.code ?? e.cause?.code;
      const message = code && !e.message.includes(code) ? `${code}: ${e.message}` : e.message;
      return { path: rel, ms: performance.now() - t0, timeout, error: timeout ? `no answer within ${opts.timeoutMs} ms` : message };
    }
  };
}

async function readLimited(body: AsyncIterable<Buffer>): Promise<string> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of body) {
    if (n < MAX_BODY) chunks.push(c);
    n += c.length;
  }
  return Buffer.concat(chunks).subarray(0, MAX_BODY).toString('utf8');
}

/**
 * The go command's .netrc credential for a proxy URL: over https only. Go 1.19 looks the machine up by host
 * name, newer releases by host and port (README, "The go command"); either spelling is taken here.
 */
function credentialHeaders(base: string, netrc: ReadonlyMap<string, HostCredential> | undefined): Record<string, string> {
  const u = new URL(base);
  if (netrc === undefined || u.protocol !== 'https:') return {};
  const cred = netrc.get(u.host.toLowerCase()) ?? netrc.get(u.hostname.toLowerCase());
  return cred === undefined ? {} : { [cred.header.toLowerCase()]: cred.value };
}

/** A file:// proxy is read with decoded paths; missing means 404 and a permission error 403, as in cmd/go. */
function fileGetter(base: string): Getter {
  const root = fileURLToPath(base);
  return async (rel) => {
    const t0 = performance.now();
    try {
      if (!(await stat(root)).isDirectory()) return { path: rel, ms: 0, error: `${root} is not a directory` };
    } catch {
      return { path: rel, ms: 0, error: `${root} does not exist` };
    }
    try {
      const body = await readFile(path.join(root, rel), 'utf8');
      return { path: rel, status: 200, ms: performance.now() - t0, body: body.slice(0, MAX_BODY) };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const status = code === 'EACCES' || code === 'EPERM' ? 403 : code === 'ENOENT' || code === 'ENOTDIR' ? 404 : 500;
      return { path: rel, status, ms: performance.now() - t0 };
    }
  };
}
