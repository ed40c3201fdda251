// Flag parsing shared by every sub-command: node:util parseArgs, strict, with its errors turned into one
// clear line and exit status 2 (never a stack trace), and negative numbers accepted as values.
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import type { CliIO } from './io.js';

/** A usage mistake (unknown flag, missing value, stray argument): one line on stderr, exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

type Options = NonNullable<ParseArgsConfig['options']>;

/** parseArgs, strict; throws UsageError with a one-line message for every mistake it finds. */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  const args = joinNegativeValues(config.args ?? [], config.options ?? {});
  try {
    return parseArgs<T>({ ...config, args, strict: true });
  } catch (err) {
    throw toUsageError(err);
  }
}

/**
 * `--retries -3` means the value -3 (as with the go command's flags), not a missing value followed by an
 * unknown flag `-3`: the value then reaches validation, which names what is wrong with it.
 */
function joinNegativeValues(argv: readonly string[], options: Options): string[] {
  const takesValue = new Set<string>();
  for (const [name, o] of Object.entries(options)) {
    if (o.type !== 'string') continue;
    takesValue.add(`--${name}`);
    if (o.short !== undefined) takesValue.add(`-${o.short}`);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const next = argv[i + 1];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    if (takesValue.has(a) && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`.replace(/^-(\w)=/, '-$1'));
      i++;
    } else out.push(a);
  }
  return out;
}

function toUsageError(err: unknown): unknown {
  const code = (err as { code?: string }).code ?? '';
  if (!code.startsWith('ERR_PARSE_ARGS')) return err;
  const msg = (err as Error).message;
  const flag = /'(?:-\w, )?(--?[\w-]+)/.exec(msg)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return new UsageError(`unknown option '${flag}'`);
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') return new UsageError(`unexpected argument '${/'([^']*)'/.exec(msg)?.[1] ?? ''}'`);
  if (/does not take an argument/.test(msg)) return new UsageError(`option '${flag}' takes no value`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`option '${flag}' needs a value`);
  return new UsageError(msg.split('\n')[0] ?? msg);
}

/** Writes a usage mistake (or a bad flag value) as the one line users see, and gives the exit status. */
export function reportUsage(io: CliIO, command: string, err: Error): number {
  io.stderr.write(`gomodproxy ${command}: ${err.message}; run 'gomodproxy ${command} --help' for usage\n`);
  return 2;
}

/** An http:// or https:// address given by `flag` (a flag, or the variable it came from); throws UsageError. */
export function httpUrlFlag(flag: string, text: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '')
    throw new UsageError(`${flag} ${JSON.stringify(text)} is not an http:// or https:// URL`);
  return url;
}
