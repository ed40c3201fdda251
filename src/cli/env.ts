// `gomodproxy env [URL]`: prints ready-to-paste settings that point Go at a gomodproxy instance,
// for shells, Dockerfiles and CI files, with private-module patterns when given.
import { request } from 'undici';
import { makeAgent } from '../bench/client.js';
import { parseCommandArgs, reportUsage } from './args.js';
import { DEFAULT_PROXY_URL } from '../config/defaults.js';
import type { CliIO, Command } from './io.js';
import { parseGosumdb } from '../protocol/gosumdb.js';
import { parseProxyList, redactURL } from '../protocol/proxy-list.js';
import { authLines } from '../shellenv/auth-lines.js';
import { ENV_FORMATS, FORMAT_TITLES, renderBlock } from '../shellenv/quote.js';
import type { EnvFormat } from '../shellenv/quote.js';
import { buildEnvVars, explain } from '../shellenv/settings.js';
import type { EnvVars } from '../shellenv/settings.js';

const USAGE = `usage: gomodproxy env [URL] [flags]

Prints settings that point the go command at a gomodproxy instance (default URL:
$GOMODPROXY_URL, else ${DEFAULT_PROXY_URL}, where serve listens by default).

  -f, --format FMT   one of: all (default), sh (bash/zsh), fish, powershell, cmd,
                     dockerfile, github (Actions), gitlab (CI), go (go env -w)
  --private GLOBS    GOPRIVATE patterns, e.g. 'corp.example.com/*' (repeatable, comma lists)
  --noproxy GLOBS    GONOPROXY patterns; 'none' sends private modules through the proxy too
  --nosumdb GLOBS    extra GONOSUMDB patterns (the GOPRIVATE ones are always kept)
  --sumdb VALUE      GOSUMDB value: 'name+hash+key [URL]', a known name, or off
  --no-direct        do not append ",direct" (the proxy becomes the only source)
  --check            ask the instance whether it answers before printing
  --auth             also print the .netrc line and the GOAUTH setting (Go 1.24+) for a token
  -h, --help         show this help
`;

const ALIASES: Readonly<Record<string, EnvFormat>> = {
  bash: 'sh',
  zsh: 'sh',
  pwsh: 'powershell',
  ps: 'powershell',
  docker: 'dockerfile',
  'github-actions': 'github',
  gha: 'github',
  'gitlab-ci': 'gitlab',
  'go-env': 'go',
};

function parseFormat(value: string): EnvFormat | 'all' {
  if (value === 'all') return 'all';
  const f = ALIASES[value] ?? (ENV_FORMATS as readonly string[]).find((x) => x === value);
  if (f === undefined) throw new Error(`unknown format ${JSON.stringify(value)}; want all or one of ${ENV_FORMATS.join(', ')}`);
  return f as EnvFormat;
}

export const run: Command = async (argv, io) => {
  let parsed;
  try {
    parsed = parseCommandArgs({
      args: argv,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f', default: 'all' },
        private: { type: 'string', multiple: true, default: [] },
        noproxy: { type: 'string', multiple: true, default: [] },
        nosumdb: { type: 'string', multiple: true, default: [] },
        sumdb: { type: 'string' },
        'no-direct': { type: 'boolean', default: false },
        check: { type: 'boolean', default: false },
        auth: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    return reportUsage(io, 'env', err as Error);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(USAGE);
    return 0;
  }
  let format: EnvFormat | 'all';
  let vars: EnvVars;
  try {
    if (positionals.length > 1) throw new Error('at most one URL (or one GOPROXY list) may be given');
    format = parseFormat(values.format);
    const url = positionals[0] ?? io.env.GOMODPROXY_URL ?? DEFAULT_PROXY_URL;
    vars = buildEnvVars({
      url,
      direct: !values['no-direct'],
      private: values.private,
      noproxy: values.noproxy,
      nosumdb: values.nosumdb,
      sumdb: values.sumdb,
    });
  } catch (err) {
    return reportUsage(io, 'env', err as Error);
  }
  const reachable = values.check ? await checkProxies(vars[0]?.[1] ?? '', sumdbName(vars), io) : true;
  io.stdout.write(format === 'all' ? renderAll(vars) : `${renderBlock(format, vars)}\n`);
  if (values.auth) io.stdout.write(`\n${authLines(firstProxyUrl(vars[0]?.[1] ?? ''), format === 'cmd' ? 'REM' : '#')}`);
  return reachable ? 0 : 1;
};

export function renderAll(vars: EnvVars): string {
  const notes = explain(vars).map((n) => `# ${n}`);
  const blocks = ENV_FORMATS.map((f) => {
    const comment = f === 'cmd' ? 'REM' : '#';
    return `${comment} ${FORMAT_TITLES[f]}\n${renderBlock(f, vars)}\n`;
  });
  return `${notes.join('\n')}\n\n${blocks.join('\n')}`;
}

/** The first http(s) proxy of a GOPROXY value: the one the credentials are for. */
function firstProxyUrl(goproxy: string): string {
  const e = parseProxyList(goproxy).find((x) => x.kind === 'url' && !x.url.startsWith('file:'));
  return e?.kind === 'url' ? e.url : DEFAULT_PROXY_URL;
}

/** The checksum database the printed settings have the go command use (GOSUMDB, else its default); undefined for off. */
function sumdbName(vars: EnvVars): string | undefined {
  const spec = parseGosumdb(vars.find(([name]) => name === 'GOSUMDB')?.[1] ?? 'sum.golang.org');
  return spec === 'off' ? undefined : spec.name;
}

/** One request per http(s) entry; reports to stderr, so stdout stays paste-able. */
async function checkProxies(goproxy: string, sumdb: string | undefined, io: CliIO): Promise<boolean> {
  let ok = true;
  const dispatcher = makeAgent(io.env, { connections: 1 });
  for (const entry of parseProxyList(goproxy)) {
    if (entry.kind !== 'url' || entry.url.startsWith('file:')) continue;
    const shown = redactURL(entry.url);
    try {
      // With GOSUMDB=off the go command asks no database: only whether the proxy answers matters.
      const res = await request(`${entry.url}/${sumdb === undefined ? 'healthz' : `sumdb/${sumdb}/supported`}`, {
        dispatcher,
        signal: AbortSignal.timeout(5000),
      });
      await res.body.dump();
      const relay =
        sumdb === undefined ? '' : res.statusCode === 200 ? ` (relays the checksum database ${sumdb})` : ` (does not relay the checksum database ${sumdb})`;
      io.stderr.write(`ok: ${shown} answers${relay}\n`);
    } catch (err) {
      ok = false;
      io.stderr.write(`error: ${shown} does not answer: ${(err as Error).message}\n`);
    }
  }
  await dispatcher.close();
  return ok;
}
