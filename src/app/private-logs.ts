// Every log line of a process with --private passes here: strings, error messages and stacks that name a
// private module path (a storage key, a file's path, a module@version in an error) get `<private>` in its place
// (protocol/private-text.ts). The call sites redact the paths they log themselves; this catches the ones that
// travel inside error messages from storage, upstreams and checksum databases.
import type { LoggerOptions } from 'pino';
import type { Config } from '../config/schema.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { redactPrivateText } from '../protocol/private-text.js';

/** Deep enough for a log call's object and an error's cause; deeper values are logged as they are. */
const MAX_DEPTH = 4;

/**
 * pino options for a process with private modules: `{ hooks }`; none without (spread it into the options:
 * pino fails on a `hooks` key that is there but undefined).
 */
export function privateLogOptions(config: Pick<Readonly<Config>, 'private'>): Pick<LoggerOptions, 'hooks'> {
  if (config.private === '') return {};
  const isPrivate = (p: string) => matchPrefixPatterns(config.private, p);
  return {
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => scrub(a, isPrivate, 0)) as Parameters<typeof method>);
      },
    },
  };
}

function scrub(v: unknown, isPrivate: (p: string) => boolean, depth: number): unknown {
  if (typeof v === 'string') return redactPrivateText(v, isPrivate);
  if (depth >= MAX_DEPTH || v === null || typeof v !== 'object') return v;
  if (v instanceof Error) {
    // The same kind of error (pino's serializer names its type), with its texts and own fields scrubbed.
    const out = Object.create(Object.getPrototypeOf(v) as object) as Error;
    for (const k of ['message', 'stack'] as const)
      if (v[k] !== undefined) Object.defineProperty(out, k, { value: scrub(v[k], isPrivate, depth), writable: true, configurable: true });
    for (const [k, x] of Object.entries(v))
      Object.defineProperty(out, k, { value: scrub(x, isPrivate, depth + 1), enumerable: true, writable: true, configurable: true });
    if (v.cause !== undefined) Object.defineProperty(out, 'cause', { value: scrub(v.cause, isPrivate, depth + 1), writable: true, configurable: true });
    return out;
  }
  if (Array.isArray(v)) return v.map((x) => scrub(x, isPrivate, depth + 1));
  // Plain objects only: requests, sockets and other instances are logged through their serializers, as before.
  if (Object.getPrototypeOf(v) !== Object.prototype) return v;
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, scrub(x, isPrivate, depth + 1)]));
}
