// Table-driven doctor scenarios: Go settings and probe results in, findings (id and severity) out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { diagnose } from './diagnose.js';
import type { Observation, ProbeResult } from './probe.js';
import { DOCTOR_VARS } from './settings.js';
import type { DoctorVar, GoSettings } from './settings.js';

/** Effective settings as `go env -json` would report them, with go's defaults filled in. */
function settings(vals: Partial<Record<DoctorVar, string>>, extra: Partial<GoSettings> = {}): GoSettings {
  const values = Object.fromEntries(DOCTOR_VARS.map((k) => [k, vals[k] ?? ''])) as Record<DoctorVar, string>;
  values.GOPROXY ||= 'https://proxy.golang.org,direct';
  values.GOSUMDB ||= 'sum.golang.org';
  values.GONOPROXY ||= values.GOPRIVATE;
  values.GONOSUMDB ||= values.GOPRIVATE;
  const origin = Object.fromEntries(DOCTOR_VARS.map((k) => [k, vals[k] !== undefined ? 'go env file' : 'default'])) as GoSettings['origin'];
  return { values, origin, fileValues: {}, envValues: {}, source: 'go env -json', goVersion: 'go1.19.8', ...extra };
}

const obs = (path: string, o: Partial<Observation> = {}): Observation => ({
  path,
  status: 200,
  ms: 20,
  contentType: 'text/plain; charset=utf-8',
  body: 'v0.14.0\n',
  ...o,
});
/** A proxy that answers as it should, with `o` changing parts of it. */
function probe(url: string, o: Partial<ProbeResult> = {}): ProbeResult {
  return {
    url,
    version: 'v0.14.0',
    known: obs('golang.org/x/text/@v/list'),
    info: obs('golang.org/x/text/@v/v0.14.0.info', { contentType: 'application/json', body: '{"Version":"v0.14.0"}' }),
    missing: obs('doctor-probe.invalid/no/such/module/@v/list', { status: 404, body: 'not found' }),
    ...o,
  };
}

interface Scenario {
  readonly name: string;
  readonly settings: GoSettings;
  readonly probes?: ProbeResult[];
  /** id:severity of every finding, in report order. */
  readonly want: string[];
}

const P = 'https://proxy.golang.org';
const scenarios: Scenario[] = [
  { name: 'the defaults with a healthy proxy raise nothing', settings: settings({}), probes: [probe(P)], want: [] },
  { name: 'GOSUMDB=off is an error', settings: settings({ GOSUMDB: 'off' }), want: ['gosumdb-off:error'] },
  { name: 'an unknown GOSUMDB name is an error', settings: settings({ GOSUMDB: 'sum.example.com' }), want: ['gosumdb-invalid:error'] },
  {
    name: 'a GOSUMDB URL bypasses proxies (info)',
    settings: settings({ GOSUMDB: 'sum.golang.org https://sum.golang.google.cn' }),
    want: ['gosumdb-custom-url:info'],
  },
  {
    name: 'private patterns missing from an explicit GONOSUMDB leak to the checksum database',
    settings: settings({ GOPRIVATE: 'corp.example.com/*,*.internal.example', GONOSUMDB: 'github.com/acme,corp.example.com' }),
    want: ['private-leaks-to-sumdb:error'],
  },
  { name: 'a GONOSUMDB glob that covers GOPRIVATE is fine', settings: settings({ GOPRIVATE: 'git.corp.example', GONOSUMDB: '*.corp.example' }), want: [] },
  {
    name: 'GONOPROXY=none sends private modules to a public proxy (warning)',
    settings: settings({ GOPRIVATE: 'corp.example.com', GONOPROXY: 'none' }),
    want: ['noproxy-overrides-private:warning'],
  },
  {
    name: 'GONOPROXY=none sends private modules to a public proxy written with a trailing dot (warning)',
    settings: settings({ GOPROXY: 'https://proxy.golang.org.,direct', GOPRIVATE: 'corp.example.com', GONOPROXY: 'none' }),
    want: ['noproxy-overrides-private:warning'],
  },
  {
    name: 'GONOPROXY=none with a private proxy is noted (info)',
    settings: settings({ GOPROXY: 'https://gmp.corp.example,direct', GOPRIVATE: 'corp.example.com', GONOPROXY: 'none' }),
    want: ['noproxy-overrides-private:info'],
  },
  { name: 'one proxy and nothing after it has no fallback', settings: settings({ GOPROXY: 'https://gmp.example' }), want: ['goproxy-no-fallback:warning'] },
  {
    name: 'mirrors joined by "," do not fail over on errors',
    settings: settings({ GOPROXY: 'https://goproxy.cn,https://proxy.golang.org,direct' }),
    want: ['goproxy-comma-fallback:info'],
  },
  {
    name: 'entries after direct are ignored',
    settings: settings({ GOPROXY: 'direct,https://proxy.golang.org' }),
    want: ['goproxy-ignored-entries:warning', 'goproxy-direct:info'],
  },
  { name: 'GOPROXY=off downloads nothing', settings: settings({ GOPROXY: 'off' }), want: ['goproxy-off:warning'] },
  { name: 'an unparsable GOPROXY is an error', settings: settings({ GOPROXY: 'proxy' }), want: ['goproxy-invalid:error'] },
  {
    name: 'a plain-http proxy off this machine is a warning',
    settings: settings({ GOPROXY: 'http://gmp.corp.example,direct' }),
    want: ['proxy-plain-http:warning'],
  },
  { name: 'a plain-http proxy on loopback is fine', settings: settings({ GOPROXY: 'http://127.0.0.1:3000,direct' }), want: [] },
  {
    name: 'an unreachable first proxy followed by "," stops every download',
    settings: settings({}),
    probes: [probe(P, { known: obs('x', { status: undefined, error: 'ECONNREFUSED' }) })],
    want: ['proxy-unreachable:error'],
  },
  {
    name: 'an unreachable proxy followed by "|" is only a warning',
    settings: settings({ GOPROXY: `${P}|https://goproxy.cn,direct` }),
    probes: [probe(P, { known: obs('x', { status: undefined, error: 'timeout', timeout: true }) }), probe('https://goproxy.cn')],
    want: ['proxy-unreachable:warning'],
  },
  {
    name: 'a slow proxy is a warning',
    settings: settings({}),
    probes: [probe(P, { known: obs('golang.org/x/text/@v/list', { ms: 4000 }) })],
    want: ['proxy-slow:warning'],
  },
  {
    name: 'answering 500 for a missing module breaks the "," fallback',
    settings: settings({}),
    probes: [probe(P, { missing: obs('m', { status: 500 }) })],
    want: ['proxy-missing-status:error'],
  },
  {
    name: 'a 5xx for a known module is an error',
    settings: settings({}),
    probes: [probe(P, { known: obs('golang.org/x/text/@v/list', { status: 503 }), info: undefined })],
    want: ['proxy-bad-status:error'],
  },
  {
    name: 'a 404 for a public module is noted',
    settings: settings({}),
    probes: [probe(P, { known: obs('k', { status: 404 }), info: undefined })],
    want: ['proxy-lacks-module:info'],
  },
  {
    name: 'wrong content types are warnings',
    settings: settings({}),
    probes: [probe(P, { known: obs('golang.org/x/text/@v/list', { contentType: 'application/octet-stream' }) })],
    want: ['proxy-content-type:warning'],
  },
  {
    name: 'an .info naming another version is an error',
    settings: settings({}),
    probes: [probe(P, { info: obs('i', { contentType: 'application/json', body: '{"Version":"v0.13.0"}' }) })],
    want: ['proxy-bad-body:error'],
  },
  { name: 'a GOPRIVATE covering github.com is too broad', settings: settings({ GOPRIVATE: 'github.com' }), want: ['goprivate-too-broad:warning'] },
  { name: 'GOINSECURE is a warning', settings: settings({ GOINSECURE: 'git.corp.example' }), want: ['goinsecure-set:warning'] },
  { name: 'GOFLAGS=-insecure is a warning', settings: settings({ GOFLAGS: '-mod=mod -insecure' }), want: ['goflags-insecure:warning'] },
  { name: 'GOVCS allowing every tool for public modules is a warning', settings: settings({ GOVCS: 'public:all' }), want: ['govcs-public-all:warning'] },
  { name: 'GOTOOLCHAIN does nothing before go1.21', settings: settings({ GOTOOLCHAIN: 'local' }), want: ['gotoolchain-ignored:info'] },
  {
    name: 'an environment variable hiding the go env file is a warning',
    settings: settings(
      { GOPROXY: 'https://a.example,direct' },
      { envValues: { GOPROXY: 'https://a.example,direct' }, fileValues: { GOPROXY: 'https://b.example,direct' } },
    ),
    want: ['env-overrides-file:warning'],
  },
];

describe('doctor scenarios', () => {
  for (const sc of scenarios) {
    test(sc.name, () => {
      const probes = new Map((sc.probes ?? []).map((p) => [p.url, p]));
      const r = diagnose(sc.settings, probes, { slowMs: 2000 });
      assert.deepEqual(
        r.findings.map((f) => `${f.id}:${f.severity}`),
        sc.want,
      );
    });
  }
});

describe('doctor fixes', () => {
  test('the GONOSUMDB fix keeps its patterns and adds the leaking ones, in three spellings', () => {
    const r = diagnose(settings({ GOPRIVATE: 'corp.example.com/*', GONOSUMDB: 'github.com/acme' }), new Map(), { slowMs: 2000 });
    assert.deepEqual(r.findings[0]?.fixLines, {
      goEnv: ["go env -w 'GONOSUMDB=github.com/acme,corp.example.com/*'"],
      export: ["export GONOSUMDB='github.com/acme,corp.example.com/*'"],
      powershell: ["$env:GONOSUMDB = 'github.com/acme,corp.example.com/*'"],
    });
  });

  test('a fix for a variable set in the environment says go env -w alone will not do', () => {
    const s = settings({ GOSUMDB: 'off' }, { envValues: { GOSUMDB: 'off' } });
    const fix = diagnose(s, new Map(), { slowMs: 2000 }).findings[0]?.fixLines;
    assert.match(fix?.goEnv[0] ?? '', /GOSUMDB is set in the environment/);
    assert.equal(fix?.goEnv[1], 'go env -w GOSUMDB=sum.golang.org');
  });

  test('the environment-override fix removes the variable from the environment', () => {
    const s = settings({}, { envValues: { GOFLAGS: '-mod=mod' }, fileValues: { GOFLAGS: '-mod=vendor' } });
    const f = diagnose(s, new Map(), { slowMs: 2000 }).findings[0];
    assert.deepEqual([f?.fixLines?.export, f?.fixLines?.powershell], [['unset GOFLAGS'], ['Remove-Item Env:GOFLAGS']]);
  });

  test('a proxy that answers 500 for missing modules gets a | after it until it is fixed', () => {
    const f = diagnose(settings({}), new Map([[P, probe(P, { missing: obs('m', { status: 500 }) })]]), { slowMs: 2000 }).findings[0];
    assert.deepEqual(f?.fix?.set, [['GOPROXY', `${P}|direct`]]);
  });

  test('the comma-fallback fix joins mirrors with | and keeps ,direct', () => {
    const f = diagnose(settings({ GOPROXY: 'https://goproxy.cn,https://proxy.golang.org,direct' }), new Map(), { slowMs: 2000 }).findings[0];
    assert.deepEqual(f?.fix?.set, [['GOPROXY', 'https://goproxy.cn|https://proxy.golang.org,direct']]);
  });

  test('explains each setting with where it came from', () => {
    const r = diagnose(settings({ GOPROXY: 'https://a.example|https://b.example,direct' }), new Map(), { slowMs: 2000 });
    const proxy = r.settings.find((s) => s.name === 'GOPROXY');
    assert.equal(proxy?.origin, 'go env file');
    assert.equal(
      proxy?.meaning,
      'ask https://a.example (on any error, go on to the next); then ask https://b.example (go on to the next only on a 404 or 410); then fetch from the repository.',
    );
    assert.equal(r.settings.length, 9);
  });

  test('with GOSUMDB=off, GONOSUMDB is not said to leave modules checked against a checksum database', () => {
    for (const GONOSUMDB of ['', 'corp.example.com']) {
      const r = diagnose(settings({ GOSUMDB: 'off', GONOSUMDB }), new Map(), { slowMs: 2000 });
      const meaning = r.settings.find((s) => s.name === 'GONOSUMDB')?.meaning;
      assert.equal(meaning, 'No effect while GOSUMDB=off: no module is checked against a checksum database (go.sum still is).');
    }
  });
});
