// Puts doctor together: probes every proxy entry, runs the checks, and explains each setting in words,
// giving one report. diagnose() is pure, so scenarios can be tested with settings and probe results in hand.
import { parseProxyList, redactURL } from '../protocol/proxy-list.js';
import { checkCredentials } from './checks-credentials.js';
import { checkPrivacy, patterns } from './checks-private.js';
import { checkProxyList } from './checks-proxy.js';
import type { ProxyCheckOptions } from './checks-proxy.js';
import { bySeverity, fixLines } from './findings.js';
import type { Finding, FixLines, Severity } from './findings.js';
import { probeProxy } from './probe.js';
import type { ProbeOptions, ProbeResult } from './probe.js';
import { DOCTOR_VARS } from './settings.js';
import type { DoctorVar, GoSettings, Origin } from './settings.js';

export interface SettingExplained {
  readonly name: DoctorVar;
  readonly value: string;
  readonly origin: Origin;
  readonly meaning: string;
}

export interface DoctorReport {
  readonly source: GoSettings['source'];
  readonly goVersion?: string;
  readonly envFile?: string;
  readonly settings: readonly SettingExplained[];
  readonly findings: ReadonlyArray<Finding & { readonly fixLines?: FixLines }>;
  readonly counts: Readonly<Record<Severity, number>>;
}

export function diagnose(s: GoSettings, probes: ReadonlyMap<string, ProbeResult>, opts: ProxyCheckOptions): DoctorReport {
  const findings = [...checkProxyList(s, probes, opts), ...checkCredentials(s, opts.netrcHosts ?? new Set()), ...checkPrivacy(s)].sort(bySeverity);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const f of findings) counts[f.severity]++;
  return {
    source: s.source,
    goVersion: s.goVersion,
    envFile: s.envFile,
    settings: DOCTOR_VARS.map((name) => ({ name, value: s.values[name], origin: s.origin[name], meaning: explain(name, s) })),
    findings: findings.map((f) => (f.fix ? { ...f, fixLines: fixLines(f.fix, s) } : f)),
    counts,
  };
}

/** Probes the http(s) and file:// entries of GOPROXY in parallel; an unparsable list has none. */
export async function probeAll(s: GoSettings, opts: ProbeOptions): Promise<Map<string, ProbeResult>> {
  let urls: string[] = [];
  try {
    urls = parseProxyList(s.values.GOPROXY).flatMap((e) => (e.kind === 'url' ? [e.url] : []));
  } catch {
    return new Map();
  }
  const results = await Promise.all(urls.map((u) => probeProxy(u, opts)));
  return new Map(results.map((r) => [r.url, r]));
}

function describeProxy(value: string): string {
  try {
    const entries = parseProxyList(value);
    const steps = entries.map((e, i) => {
      const what = e.kind === 'url' ? `ask ${redactURL(e.url)}` : e.kind === 'direct' ? 'fetch from the repository' : 'stop (off)';
      const last = i === entries.length - 1;
      const then = last || e.kind !== 'url' ? '' : e.fallBackOnError ? ' (on any error, go on to the next)' : ' (go on to the next only on a 404 or 410)';
      return `${what}${then}`;
    });
    return `${steps.join('; then ')}.`;
  } catch (err) {
    return `invalid: ${(err as Error).message}`;
  }
}

function globs(value: string, none: string, some: string): string {
  return value === '' ? none : `${some}: ${patterns(value).join(', ')}.`;
}

export function explain(name: DoctorVar, s: GoSettings): string {
  const v = s.values[name];
  switch (name) {
    case 'GOPROXY':
      return describeProxy(v);
    case 'GONOPROXY':
      return globs(v, 'Every module may go through the proxy list.', 'Fetched straight from their repositories, never through a proxy');
    case 'GOPRIVATE':
      return globs(v, 'No module is private.', 'Private (the default for GONOPROXY and GONOSUMDB)');
    case 'GONOSUMDB':
      // With no database at all, "every new module is checked" would tell a GOSUMDB=off user the opposite of what happens.
      if (s.values.GOSUMDB === 'off') return 'No effect while GOSUMDB=off: no module is checked against a checksum database (go.sum still is).';
      return globs(v, 'Every new module is checked against the checksum database.', 'Not checked against the checksum database (go.sum still is)');
    case 'GOSUMDB':
      return v === 'off' ? 'No checksum database: new modules are trusted as downloaded.' : `New modules are checked against ${v.split(/\s+/)[0]}.`;
    case 'GOINSECURE':
      return globs(v, 'Direct fetches always use https with certificate checks.', 'May be fetched directly over http or with unchecked certificates');
    case 'GOFLAGS':
      return v === '' ? 'No default flags.' : `Added to every go command: ${v}.`;
    case 'GOVCS':
      return v === ''
        ? 'Default: git and hg for public modules, any tool for private ones.'
        : `Version control tools allowed: ${v} (then the default public:git|hg,private:all).`;
    case 'GOTOOLCHAIN':
      return v === ''
        ? 'Not set (go1.21 and later default to auto: switch to the toolchain go.mod asks for, downloaded through GOPROXY).'
        : `Toolchain selection: ${v}.`;
  }
}
