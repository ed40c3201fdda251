// Doctor checks on privacy and trust (§2.5, §7.5): GOSUMDB, private patterns that leak to the public
// checksum database or proxy, patterns so broad they cover public code, GOINSECURE, GOFLAGS, GOVCS, GOTOOLCHAIN.
import { parseGosumdb } from '../protocol/gosumdb.js';
import { matchPrefixPatterns } from '../protocol/glob.js';
import { parseProxyList } from '../protocol/proxy-list.js';
import { finding } from './findings.js';
import type { Finding } from './findings.js';
import { DOCTOR_VARS } from './settings.js';
import type { GoSettings } from './settings.js';

/** Public proxies that cannot fetch private code (and would learn private module names). */
const PUBLIC_PROXY_HOSTS = ['proxy.golang.org', 'goproxy.cn', 'goproxy.io', 'mirrors.aliyun.com', 'mirrors.tencent.com', 'goproxy.baidu.com'];
/** Well-known public modules: a private pattern that matches one of these is too broad. */
const PUBLIC_MODULES = [
  'github.com/google/uuid',
  'golang.org/x/text',
  'gopkg.in/yaml.v3',
  'gitlab.com/gitlab-org/api/client-go',
  'bitbucket.org/creachadair/shell',
  'go.uber.org/zap',
  'google.golang.org/grpc',
];

export function patterns(list: string): string[] {
  return list
    .split(',')
    .map((p) => p.trim().replace(/\/+$/, ''))
    .filter((p) => p !== '');
}

/** Whether `pattern` (read as a path) falls under one of `globs`; equal patterns always do. */
function covered(globs: string, pattern: string): boolean {
  return patterns(globs).includes(pattern) || matchPrefixPatterns(globs, pattern);
}

function union(a: string, b: readonly string[]): string {
  return [...new Set([...patterns(a), ...b])].join(',');
}

export function checkPrivacy(s: GoSettings): Finding[] {
  return [...checkSumdb(s), ...checkNoProxy(s), ...checkBroad(s), ...checkInsecure(s), ...checkTools(s), ...checkOverrides(s)];
}

function checkSumdb(s: GoSettings): Finding[] {
  const v = s.values;
  if (v.GOSUMDB.trim() === 'off') {
    return [
      finding(
        'gosumdb-off',
        'error',
        'GOSUMDB',
        'GOSUMDB=off: downloads are not checked against the checksum database, so a proxy or repository can serve altered code unnoticed. Keep it on and list private modules in GOPRIVATE or GONOSUMDB instead.',
        { set: [['GOSUMDB', 'sum.golang.org']] },
      ),
    ];
  }
  const out: Finding[] = [];
  try {
    const db = parseGosumdb(v.GOSUMDB);
    if (db !== 'off' && v.GOSUMDB.trim().split(/\s+/).length === 2) {
      out.push(
        finding(
          'gosumdb-custom-url',
          'info',
          'GOSUMDB',
          `The checksum database ${db.name} is reached at ${db.url} directly; proxies that relay it are not used.`,
        ),
      );
    }
  } catch (err) {
    out.push(
      finding('gosumdb-invalid', 'error', 'GOSUMDB', `GOSUMDB cannot be used: ${(err as Error).message}. Every download of a new module fails.`, {
        set: [['GOSUMDB', 'sum.golang.org']],
      }),
    );
  }
  const leaked = patterns(v.GOPRIVATE).filter((p) => !covered(v.GONOSUMDB, p));
  if (leaked.length > 0) {
    out.push(
      finding(
        'private-leaks-to-sumdb',
        'error',
        'GONOSUMDB',
        `GONOSUMDB does not cover the private pattern(s) ${leaked.join(', ')}: their module paths are sent to the public checksum database, which cannot know them, so the downloads fail.`,
        { set: [['GONOSUMDB', union(v.GONOSUMDB, leaked)]] },
      ),
    );
  }
  return out;
}

function checkNoProxy(s: GoSettings): Finding[] {
  const v = s.values;
  if (s.origin.GONOPROXY === 'default' || v.GOPRIVATE === '') return [];
  const viaProxy = patterns(v.GOPRIVATE).filter((p) => !covered(v.GONOPROXY, p));
  if (viaProxy.length === 0) return [];
  let hosts: string[] = [];
  try {
    hosts = parseProxyList(v.GOPROXY).flatMap((e) => (e.kind === 'url' && !e.url.startsWith('file:') ? [new URL(e.url).hostname] : []));
  } catch {
    // an invalid GOPROXY is reported by the proxy checks
  }
  // `proxy.golang.org.` (a fully qualified name) is the same public proxy; URL already lowercases the host.
  const publicHosts = hosts.filter((h) => PUBLIC_PROXY_HOSTS.includes(h.replace(/\.$/, '')));
  const fix = { set: [['GONOPROXY', union(v.GONOPROXY === 'none' ? '' : v.GONOPROXY, viaProxy)]] } as const;
  if (publicHosts.length > 0) {
    return [
      finding(
        'noproxy-overrides-private',
        'warning',
        'GONOPROXY',
        `GONOPROXY=${v.GONOPROXY} replaces GOPRIVATE for proxy decisions, so private modules matching ${viaProxy.join(', ')} are asked of ${publicHosts.join(', ')}, which cannot fetch them and learns their names.`,
        fix,
      ),
    ];
  }
  return [
    finding(
      'noproxy-overrides-private',
      'info',
      'GONOPROXY',
      `Private modules matching ${viaProxy.join(', ')} are fetched through ${hosts.join(', ') || 'the proxy list'} (GONOPROXY=${v.GONOPROXY}); that proxy needs access to them.`,
    ),
  ];
}

/** A pattern matching public hosting sites exempts public code from the proxy or the checksum database. */
function checkBroad(s: GoSettings): Finding[] {
  const out: Finding[] = [];
  for (const name of ['GOPRIVATE', 'GONOPROXY', 'GONOSUMDB'] as const) {
    if (name !== 'GOPRIVATE' && s.origin[name] === 'default') continue;
    const broad = patterns(s.values[name]).filter((p) => PUBLIC_MODULES.some((m) => matchPrefixPatterns(p, m)));
    if (broad.length === 0) continue;
    const what = name === 'GONOPROXY' ? 'fetched directly instead of through the proxy' : 'not checked against the checksum database';
    const examples = PUBLIC_MODULES.filter((m) => matchPrefixPatterns(broad.join(','), m))
      .slice(0, 2)
      .join(', ');
    out.push(
      finding(
        `${name.toLowerCase()}-too-broad`,
        'warning',
        name,
        `${name} pattern(s) ${broad.join(', ')} also match public modules (such as ${examples}), which are then ${what}. Name your organisation's path, e.g. github.com/your-org.`,
      ),
    );
  }
  return out;
}

function checkInsecure(s: GoSettings): Finding[] {
  const v = s.values.GOINSECURE;
  if (v === '') return [];
  return [
    finding(
      'goinsecure-set',
      'warning',
      'GOINSECURE',
      `Modules matching ${patterns(v).join(', ')} are fetched directly over plain http and without TLS certificate checks. Prefer fixing the server's certificate.`,
      { set: [['GOINSECURE', '']] },
    ),
  ];
}

function checkTools(s: GoSettings): Finding[] {
  const out: Finding[] = [];
  if (/(^|\s)--?insecure(=\S*)?(\s|$)/.test(s.values.GOFLAGS)) {
    out.push(
      finding(
        'goflags-insecure',
        'warning',
        'GOFLAGS',
        'GOFLAGS contains -insecure, which newer go commands reject; use GOINSECURE for the few hosts that need it.',
      ),
    );
  }
  const public_ = s.values.GOVCS.split(',').filter((r) => /^(public|\*):(.*\|)?all(\|.*)?$/.test(r.trim()));
  if (public_.length > 0) {
    out.push(
      finding(
        'govcs-public-all',
        'warning',
        'GOVCS',
        `GOVCS allows every version control tool for public modules (${public_.join(',')}); hg, svn, bzr and fossil have had remote-code bugs, which is why go allows only git and hg by default.`,
      ),
    );
  }
  const minor = /^go1\.(\d+)/.exec(s.goVersion ?? '')?.[1];
  if (s.values.GOTOOLCHAIN !== '' && minor !== undefined && Number(minor) < 21) {
    out.push(
      finding(
        'gotoolchain-ignored',
        'info',
        'GOTOOLCHAIN',
        `GOTOOLCHAIN=${s.values.GOTOOLCHAIN} has no effect on ${s.goVersion}; toolchain switching starts with go1.21.`,
      ),
    );
  }
  if (s.goError !== undefined)
    out.push(finding('go-env-failed', 'warning', 'go', `${s.goError}; the settings shown come from the environment and the go env file instead.`));
  return out;
}

/** cfg.Getenv: a non-empty environment variable hides the go env file's value, and `go env -w` cannot change it. */
function checkOverrides(s: GoSettings): Finding[] {
  return DOCTOR_VARS.flatMap((k) => {
    const env = s.envValues[k];
    const file = s.fileValues[k];
    if (env === undefined || file === undefined || env === file) return [];
    return [
      finding(
        'env-overrides-file',
        'warning',
        k,
        `${k} is set in the environment (${env}), which hides the go env file's ${k}=${file}; "go env -w ${k}=…" will not change what go uses.`,
        { unset: [k] },
      ),
    ];
  });
}
