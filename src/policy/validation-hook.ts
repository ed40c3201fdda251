// The validation hook (as Athens has): an HTTP endpoint asked before a module version is filled or
// published. 2xx allows, 403 denies (its body's first line is the reason); anything else, or no answer in
// time, is a failure that refuses (fail-closed) or allows (fail-open) as configured.
import type { Logger } from 'pino';
import { gmpError } from '../errors.js';
import { basicAuth } from '../protocol/proxy-list.js';

export interface HookOptions {
  readonly url: string;
  readonly timeoutMs: number;
  readonly failOpen: boolean;
  readonly log: Logger;
  readonly redact: (modulePath: string) => string;
  /** How long an answer is reused for the same module version (a fill asks for .mod and .zip). */
  readonly rememberMs?: number;
}

type Verdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

const MAX_REMEMBERED = 10_000;

export class ValidationHook {
  private readonly answers = new Map<string, { verdict: Verdict; until: number }>();
  /** The URL without user:password, which fetch refuses in a URL (and which must reach no log or client). */
  private readonly url: string;
  private readonly headers: Record<string, string> = { 'content-type': 'application/json' };

  constructor(private readonly options: HookOptions) {
    const { url, authorization } = splitCredentials(options.url);
    this.url = url;
    if (authorization !== undefined) this.headers.authorization = authorization;
  }

  /** Throws GMP_ERR_POLICY_DENIED when the hook refuses, GMP_ERR_POLICY_HOOK when it fails closed. */
  async check(modulePath: string, version: string): Promise<void> {
    const key = `${modulePath}@${version}`;
    const now = Date.now();
    let known = this.answers.get(key);
    if (known === undefined || known.until < now) {
      const verdict = await this.ask(modulePath, version);
      if (verdict === undefined) return;
      if (this.answers.size >= MAX_REMEMBERED) this.answers.clear();
      known = { verdict, until: now + (this.options.rememberMs ?? 60_000) };
      this.answers.set(key, known);
    }
    const v = known.verdict;
    if (!v.allowed) throw gmpError('GMP_ERR_POLICY_DENIED', `forbidden: ${modulePath}@${version} is refused by the validation hook: ${v.reason}`);
  }

  /** The hook's verdict, or undefined when it failed and the policy is fail-open. */
  private async ask(modulePath: string, version: string): Promise<Verdict | undefined> {
    const { timeoutMs, failOpen, log } = this.options;
    let failure: string;
    try {
      const res = await fetch(this.url, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify({ Module: modulePath, Version: version }),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      const text = (await res.text()).slice(0, 4096);
      if (res.status >= 200 && res.status < 300) return { allowed: true };
      if (res.status === 403) return { allowed: false, reason: firstLine(text) || 'no reason given' };
      failure = `answered ${res.status}`;
    } catch (err) {
      failure = (err as Error).name === 'TimeoutError' ? `did not answer within ${timeoutMs} ms` : `cannot be reached (${networkReason(err)})`;
    }
    log.warn({ module: this.options.redact(modulePath), version, failure, failOpen }, 'validation hook failed');
    if (failOpen) return undefined;
    throw gmpError('GMP_ERR_POLICY_HOOK', `service unavailable: the validation hook ${failure}, and the policy is fail-closed; retry later`);
  }
}

/** A URL's user:password as the Basic credentials curl and Go's net/http send for it, and the URL without them. */
export function splitCredentials(raw: string): { url: string; authorization?: string } {
  const u = new URL(raw);
  if (u.username === '' && u.password === '') return { url: raw };
  const authorization = basicAuth(u);
  u.username = '';
  u.password = '';
  return { url: u.toString(), authorization };
}

/** What undici's "fetch failed" stands for: the code of its cause (ECONNREFUSED, ENOTFOUND…), or its message. */
function networkReason(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') return cause.code;
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return (err as Error).message;
}

function firstLine(text: string): string {
  return (text.split('\n')[0] ?? '').trim().slice(0, 200);
}
