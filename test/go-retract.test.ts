// Retractions and deprecations with the real go command: what go list and go get print about them must
// be exactly the same through gomodproxy as straight against the upstream, with every tested Go release.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goEnv, parseJsonStream, runGo } from './helpers/go.js';
import type { GoCommand, GoResult } from './helpers/go.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import type { FixtureModule } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';

const R = 'example.com/retract';
const D = 'example.com/deprecated';
const pkg = (name: string) => ({ [`${name}.go`]: `package ${name}\n` });

/** The latest version retracts itself and two older ones: go reads retractions from it all the same. */
const RETRACT_MOD = `module ${R}

go 1.19

retract (
	v1.4.0 // published by mistake
	[v1.0.0, v1.1.0] // a data race in Get
)
`;
const DEPRECATED_MOD = `// Deprecated: use example.com/retract instead.
module ${D}

go 1.19
`;

const modules: FixtureModule[] = [
  {
    path: R,
    versions: [
      ...['v1.0.0', 'v1.1.0', 'v1.2.0', 'v1.3.0'].map((version) => ({ version, files: pkg('retract') })),
      { version: 'v1.4.0', files: { ...pkg('retract'), 'go.mod': RETRACT_MOD } },
    ],
  },
  {
    path: D,
    versions: [
      { version: 'v1.0.0', files: pkg('deprecated') },
      { version: 'v1.1.0', files: { ...pkg('deprecated'), 'go.mod': DEPRECATED_MOD } },
    ],
  },
];

let up: FakeUpstream;
let proxy: RunningProxy;

before(async () => {
  up = await startFakeUpstream(await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-up-')), modules));
  proxy = await startProxy({ upstream: up.url });
});
after(async () => {
  await proxy.close();
  await up.close();
});

/** Everything the go command printed for the steps, with the private HOME replaced so both sides compare. */
async function session(go: GoCommand, goproxy: string, steps: string[][]): Promise<GoResult[]> {
  const env = await goEnv(goproxy, {}, go);
  const app = path.join(env.home, 'app');
  await mkdir(app);
  await writeFile(path.join(app, 'go.mod'), 'module example.com/app\n\ngo 1.19\n');
  const results: GoResult[] = [];
  try {
    for (const args of steps) {
      const r = await runGo(args, app, env);
      const clean = (s: string) => s.replaceAll(env.home, '$HOME');
      results.push({ code: r.code, stdout: clean(r.stdout), stderr: downloadsSorted(clean(r.stderr)) });
    }
  } finally {
    await rm(env.home, { recursive: true, force: true });
  }
  return results;
}

/** The go command downloads in parallel: its "go: downloading" lines come in any order. */
function downloadsSorted(stderr: string): string {
  const lines = stderr.split('\n');
  const isDownload = (l: string) => l.startsWith('go: downloading ');
  return [...lines.filter(isDownload).sort(), ...lines.filter((l) => !isDownload(l))].join('\n');
}

async function sameBothWays(go: GoCommand, steps: string[][]): Promise<GoResult[]> {
  const viaProxy = await session(go, proxy.url, steps);
  assert.deepEqual(viaProxy, await session(go, up.url, steps));
  return viaProxy;
}

interface Listed {
  Path: string;
  Version: string;
  Retracted?: string[];
  Deprecated?: string;
  Update?: { Version: string };
}

await forEachGo('retractions and deprecations through gomodproxy', (go) => {
  test('go get warns of a retracted version and a deprecated module exactly as the upstream makes it warn', async () => {
    const [get] = await sameBothWays(go, [['get', `${R}@v1.0.0`, `${D}@v1.0.0`]]);
    assert.equal(get?.code, 0, get?.stderr);
    assert.match(get?.stderr ?? '', new RegExp(`warning: ${R}@v1.0.0: retracted by module author: a data race in Get`));
    assert.match(get?.stderr ?? '', new RegExp(`${D} is deprecated: use example.com/retract instead`));
  });

  test('go list -m -u -retracted -json shows the same retractions, deprecation and updates', async () => {
    const [, list] = await sameBothWays(go, [
      ['get', `${R}@v1.0.0`, `${D}@v1.0.0`],
      ['list', '-m', '-u', '-retracted', '-json', R, D],
    ]);
    assert.equal(list?.code, 0, list?.stderr);
    const [r, d] = parseJsonStream<Listed>(list?.stdout ?? '');
    assert.deepEqual(r?.Retracted, ['a data race in Get']);
    assert.equal(r?.Update?.Version, 'v1.3.0', 'the newest version that is not retracted');
    assert.equal(d?.Deprecated, 'use example.com/retract instead.');
  });

  test('go list -m -versions hides retracted versions, -retracted shows them, go get @latest skips them', async () => {
    const [versions, all, latest] = await sameBothWays(go, [
      ['list', '-m', '-versions', R],
      ['list', '-m', '-versions', '-retracted', R],
      ['get', `${R}@latest`],
    ]);
    assert.equal(versions?.stdout, `${R} v1.2.0 v1.3.0\n`);
    assert.equal(all?.stdout, `${R} v1.0.0 v1.1.0 v1.2.0 v1.3.0 v1.4.0\n`);
    assert.equal(latest?.code, 0, latest?.stderr);
    assert.match(latest?.stderr ?? '', new RegExp(`go: added ${R} v1.3.0`));
  });
});
