// Read-ahead (--read-ahead, on by default): the go.mod files the go command reads next (below an unpruned
// go.mod) and, once a client turns to downloads, the .info files (at its first .info) and the zips (at its first
// zip) of the newest version of each module whose go.mod it read, are filled in the background. Never a second upstream fetch, never what a client did not set
// off, never for a request that must not fill, and the same bytes. Server close waits for read-ahead under way,
// which makes it observable without timing: ask, close, look at what the upstream was asked.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { forEachGo, goDownload, goEnv, runGo } from './helpers/go.js';
import type { GoCommand, GoEnv } from './helpers/go.js';
import { writeGoproxyDir } from './helpers/goproxy-dir.js';
import type { FixtureModule } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';
import type { RunningProxy } from './helpers/proxy.js';
import { startProxyProcess } from './helpers/proxy-process.js';

let root: string;
let up: FakeUpstream;
/** The default, which the test helper turns off. */
const ON = '8';

/** A module version whose go.mod has the given go directive (none: undefined) and requirements. */
const mod = (p: string, version: string, go: string | undefined, requires: string[] = []): FixtureModule => {
  const req = requires.length === 0 ? '' : `\nrequire (\n${requires.map((r) => `\t${r.replace('@', ' ')}\n`).join('')})\n`;
  const name = p.split('/').pop() as string;
  return {
    path: p,
    versions: [
      {
        version,
        files: {
          'go.mod': `module ${p}\n${go === undefined ? '' : `\ngo ${go}\n`}${req}`,
          [`${name}.go`]: `package ${name}\n\nconst V = ${JSON.stringify(version)}\n`,
        },
      },
    ],
  };
};

/**
 * Each test uses its own module paths, so the upstream's counts are its own. `main` of a tier requires
 * `old` (go 1.16: unpruned, so the go command reads `mid`'s go.mod below it, and `leaf`'s below that) and
 * `lib` v1.1.0 (go 1.19: pruned, so `side`, which it requires, is never read).
 */
function tier(t: string): FixtureModule[] {
  const p = (n: string) => `ra.test/${t}/${n}`;
  return [
    mod(p('old'), 'v1.0.0', '1.16', [`${p('mid')}@v1.0.0`]),
    mod(p('mid'), 'v1.0.0', '1.21', [`${p('leaf')}@v1.0.0`]),
    mod(p('leaf'), 'v1.0.0', undefined),
    mod(p('lib'), 'v1.0.0', '1.19'),
    mod(p('lib'), 'v1.1.0', '1.19', [`${p('side')}@v1.0.0`]),
    mod(p('side'), 'v1.0.0', '1.19'),
  ];
}
const TIERS = ['chain', 'pruned', 'list', 'downloads', 'build', 'off'];
const GOS = ['1.19', '1.23'];

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-ra-'));
  const modules = [...TIERS, ...GOS.flatMap((g) => [`go${g}-w1`, `go${g}-w2`, `list${g}-w1`, `list${g}-w2`])].flatMap(tier);
  // Versions of one path written together, so each list names them all.
  const byPath = new Map<string, FixtureModule>();
  for (const m of modules) byPath.set(m.path, { path: m.path, versions: [...(byPath.get(m.path)?.versions ?? []), ...m.versions] });
  await writeGoproxyDir(path.join(root, 'up'), [...byPath.values()]);
  up = await startFakeUpstream(path.join(root, 'up'));
});

after(async () => {
  await up?.close();
  await rm(root, { recursive: true, force: true });
});

const file = (t: string, name: string, version: string, ext: string) => `/ra.test/${t}/${name}/@v/${version}.${ext}`;
const asked = (t: string, name: string, version: string, ext: string) => up.count(file(t, name, version, ext));
const metric = (text: string, name: string, labels: string) => Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

test('below an unpruned go.mod the next go.mod is read ahead, and a client reading that one carries on', async () => {
  const t = 'chain';
  const p = await startProxy({ upstream: up.url, 'read-ahead': ON });
  try {
    assert.equal((await p.get(file(t, 'old', 'v1.0.0', 'mod'))).status, 200);
    // Read ahead, not asked for: poll the cache through cached-only requests, which never fill or read ahead.
    let cached = 0;
    for (let i = 0; i < 600 && cached !== 200; i++) {
      cached = (await p.get(`/cached-only${file(t, 'mid', 'v1.0.0', 'mod')}`)).status;
      if (cached !== 200) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(cached, 200, 'mid’s go.mod was filled without being asked for');
    assert.equal(asked(t, 'leaf', 'v1.0.0', 'mod'), 0, 'a go.mod read ahead predicts nothing further by itself');
    // The client now reads mid's go.mod (a hit in memory): the go command reads leaf's next.
    const mid = await p.get(file(t, 'mid', 'v1.0.0', 'mod'));
    assert.equal(await mid.text(), await readFile(path.join(root, 'up', file(t, 'mid', 'v1.0.0', 'mod')), 'utf8'));
  } finally {
    await p.close();
  }
  assert.equal(asked(t, 'mid', 'v1.0.0', 'mod'), 1);
  assert.equal(asked(t, 'leaf', 'v1.0.0', 'mod'), 1);
  for (const n of ['old', 'mid', 'leaf']) {
    assert.equal(asked(t, n, 'v1.0.0', 'zip'), 0, `${n}: no download was asked for, so no zip is read ahead`);
    assert.equal(asked(t, n, 'v1.0.0', 'info'), 0);
  }
});

test('below a pruned go.mod nothing is read ahead', async () => {
  const t = 'pruned';
  const p = await startProxy({ upstream: up.url, 'read-ahead': ON });
  try {
    assert.equal((await p.get(file(t, 'lib', 'v1.1.0', 'mod'))).status, 200);
  } finally {
    await p.close();
  }
  assert.equal(asked(t, 'side', 'v1.0.0', 'mod'), 0);
  assert.equal(asked(t, 'lib', 'v1.1.0', 'zip'), 0);
});

/** A client reads the go.mod of lib v1.0.0 and v1.1.0, leaf and side (as loading a graph does), then side's .info. */
async function readGraphThenInfo(p: { get(u: string): Promise<Response> }, t: string): Promise<void> {
  for (const [n, v] of [
    ['lib', 'v1.0.0'],
    ['lib', 'v1.1.0'],
    ['leaf', 'v1.0.0'],
    ['side', 'v1.0.0'],
  ] as const)
    assert.equal((await p.get(file(t, n, v, 'mod'))).status, 200);
  assert.equal((await p.get(file(t, 'side', 'v1.0.0', 'info'))).status, 200);
}

/** What minimal version selection picks from those go.mod files: the newest version of each module. */
const SELECTED = [
  ['lib', 'v1.1.0'],
  ['leaf', 'v1.0.0'],
  ['side', 'v1.0.0'],
] as const;

test('the first .info fills the .info of the newest version of each module read, and no zip (`go list -m all`)', async () => {
  const t = 'list';
  const p = await startProxy({ upstream: up.url, 'read-ahead': ON });
  try {
    await readGraphThenInfo(p, t);
  } finally {
    await p.close();
  }
  for (const [n, v] of SELECTED) {
    assert.equal(asked(t, n, v, 'info'), 1, `${n}@${v}.info`);
    assert.equal(asked(t, n, v, 'zip'), 0, `${n}@${v}.zip: no client asked for a zip`);
  }
  assert.equal(asked(t, 'lib', 'v1.0.0', 'info'), 0, 'minimal version selection picks lib v1.1.0, not v1.0.0');
});

test('then the first zip fills the zips of the same versions, once, stored whole', async () => {
  const t = 'downloads';
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-ra-data-'));
  const p = await startProxy({ upstream: up.url, 'read-ahead': ON }, { dataDir: data });
  try {
    await readGraphThenInfo(p, t);
    assert.equal((await p.get(file(t, 'side', 'v1.0.0', 'zip'))).status, 200);
    const text = await (await p.get('/metrics')).text();
    const zipLookups = ['hit', 'miss'].reduce((n, r) => n + metric(text, 'gomodproxy_cache_requests_total', `endpoint="zip",result="${r}"`), 0);
    assert.equal(zipLookups, 1, 'only the client’s zip lookup is counted, not read-ahead’s');
  } finally {
    await p.close();
  }
  for (const [n, v] of SELECTED) {
    assert.equal(asked(t, n, v, 'info'), 1, `${n}@${v}.info`);
    assert.equal(asked(t, n, v, 'zip'), 1, `${n}@${v}.zip`);
  }
  assert.equal(asked(t, 'lib', 'v1.0.0', 'zip'), 0, 'minimal version selection picks lib v1.1.0, not v1.0.0');
  assert.equal(asked(t, 'lib', 'v1.0.0', 'info'), 0);
  // What was read ahead is stored whole: a fresh process answers it from the cache alone, byte for byte.
  const again = await startProxy({ upstream: up.url, 'read-ahead': ON }, { dataDir: data });
  try {
    const zip = await again.get(`/cached-only${file(t, 'lib', 'v1.1.0', 'zip')}`);
    assert.equal(zip.status, 200);
    assert.deepEqual(Buffer.from(await zip.arrayBuffer()), await readFile(path.join(root, 'up', file(t, 'lib', 'v1.1.0', 'zip'))));
  } finally {
    await again.close();
    // Retried: the process-wide durable-write thread may still be renaming a file the closed server handed it.
    await rm(data, { recursive: true, force: true, maxRetries: 5 });
  }
  assert.equal(asked(t, 'lib', 'v1.1.0', 'zip'), 1);
});

test('a build that turns to zips first gets the zips read ahead, not the .info files', async () => {
  const t = 'build';
  const p = await startProxy({ upstream: up.url, 'read-ahead': ON });
  try {
    for (const n of ['old', 'leaf']) assert.equal((await p.get(file(t, n, 'v1.0.0', 'mod'))).status, 200);
    assert.equal((await p.get(file(t, 'old', 'v1.0.0', 'zip'))).status, 200);
  } finally {
    await p.close();
  }
  assert.equal(asked(t, 'leaf', 'v1.0.0', 'zip'), 1);
  assert.equal(asked(t, 'old', 'v1.0.0', 'zip'), 1, 'the zip the client asked for is fetched once');
  assert.equal(asked(t, 'leaf', 'v1.0.0', 'info'), 0);
});

/** Files read ahead by a proxy, whatever the result (filled, failed, dropped). */
async function readAheadCount(p: RunningProxy): Promise<number> {
  return (await p.server.metrics.readAhead.get()).values.reduce((n, v) => n + v.value, 0);
}

test('--read-ahead 0, cache-only requests, Disable-Module-Fetch and private modules: nothing read ahead', async () => {
  const t = 'off';
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-ra-off-'));
  const old = file(t, 'old', 'v1.0.0', 'mod');
  try {
    // Each proxy starts with old's go.mod in its storage (the first one fills it) and nothing in memory.
    for (const [flags, ask, headers] of [
      [{ 'read-ahead': '0' }, old, {}],
      [{ 'read-ahead': ON }, `/cached-only${old}`, {}],
      [{ 'read-ahead': ON }, old, { 'Disable-Module-Fetch': 'true' }],
      // Private modules are filled only for clients allowed to read them, never by a guess.
      [{ 'read-ahead': ON, private: `ra.test/${t}/mid` }, old, {}],
    ] as const) {
      const p = await startProxy({ upstream: up.url, ...flags }, { dataDir: data });
      assert.equal((await p.get(ask, headers)).status, 200);
      await p.close();
      assert.equal(asked(t, 'mid', 'v1.0.0', 'mod'), 0, `${ask} ${JSON.stringify(flags)} ${JSON.stringify(headers)}`);
      // Nothing was even scheduled: one cut by the shutdown before it reached the upstream counts as failed.
      assert.equal(await readAheadCount(p), 0, `${ask} ${JSON.stringify(flags)} ${JSON.stringify(headers)}`);
    }
    // The same read from a client that may fill does read ahead.
    const p = await startProxy({ upstream: up.url, 'read-ahead': ON }, { dataDir: data });
    assert.equal((await p.get(old)).status, 200);
    // Before closing: a shutdown cuts what is still read ahead.
    await eventually(async () => asked(t, 'mid', 'v1.0.0', 'mod') === 1, 'mid’s go.mod read ahead');
    await p.close();
    assert.equal(asked(t, 'mid', 'v1.0.0', 'mod'), 1);
    assert.ok((await readAheadCount(p)) > 0, 'read-ahead is counted');
    assert.equal(asked(t, 'old', 'v1.0.0', 'mod'), 1);
  } finally {
    await rm(data, { recursive: true, force: true });
  }
});

// The go command end to end, in one process and across two workers on the defaults (whose go.mod reads are
// split between them): every file it needs arrives, byte for byte the upstream's, each fetched from the upstream once.
async function proxyFor(workers: number, data: string): Promise<{ url: string; close(): Promise<void> }> {
  if (workers === 1) return startProxy({ upstream: up.url, 'read-ahead': ON }, { dataDir: data });
  const pp = await startProxyProcess({ workers: '2', upstream: up.url, data, sumdb: 'off', 'own-sumdb': 'off', retries: '0' });
  return { url: pp.url, close: () => pp.stop().then(() => undefined) };
}

const mainGoMod = (m: (n: string) => string) =>
  `module ra.test/main\n\ngo 1.19\n\nrequire (\n\t${m('old')} v1.0.0\n\t${m('lib')} v1.1.0\n\t${m('mid')} v1.0.0 // indirect\n\t${m('leaf')} v1.0.0 // indirect\n)\n`;

/**
 * Runs `use` in a main module that requires tier `t`, with the go command pointed at a fresh proxy of `workers`
 * processes; everything is closed and removed before it returns, so the upstream's counts are final.
 */
async function throughProxy(t: string, go: GoCommand, workers: number, use: (env: GoEnv, m: (n: string) => string) => Promise<void>): Promise<void> {
  const data = await mkdtemp(path.join(tmpdir(), 'gmp-ra-go-'));
  const p = await proxyFor(workers, data);
  const env = await goEnv(p.url, {}, go);
  const m = (n: string) => `ra.test/${t}/${n}`;
  try {
    await writeFile(path.join(env.home, 'go.mod'), mainGoMod(m));
    await use(env, m);
  } finally {
    await p.close();
    await rm(env.home, { recursive: true, force: true });
    await rm(data, { recursive: true, force: true });
  }
}

for (const workers of [1, 2])
  await forEachGo(`the go command through read-ahead (--workers ${workers})`, (go) => {
    test('`go mod download`: the upstream bytes, one upstream fetch per file, the pruned go.mod unread', async () => {
      const t = `go${go.minor}-w${workers}`;
      await throughProxy(t, go, workers, async (env, m) => {
        const { result: r, downloads } = await goDownload(env, []);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(downloads.map((d) => `${d.Path}@${d.Version}`).sort(), [
          `${m('leaf')}@v1.0.0`,
          `${m('lib')}@v1.1.0`,
          `${m('mid')}@v1.0.0`,
          `${m('old')}@v1.0.0`,
        ]);
        for (const d of downloads) {
          const name = d.Path.split('/').pop() as string;
          const sha = async (f: string) =>
            createHash('sha256')
              .update(await readFile(f))
              .digest('hex');
          assert.ok(d.Zip !== undefined, `${d.Path}@${d.Version}: no zip`);
          assert.equal(await sha(d.Zip), await sha(path.join(root, 'up', file(t, name, d.Version, 'zip'))), `${d.Path}@${d.Version}`);
        }
      });
      for (const n of ['old', 'mid', 'leaf'])
        for (const ext of ['mod', 'info', 'zip']) assert.ok(asked(t, n, 'v1.0.0', ext) <= 1, `${n}@v1.0.0.${ext} fetched ${asked(t, n, 'v1.0.0', ext)} times`);
      for (const ext of ['mod', 'info', 'zip']) assert.equal(asked(t, 'lib', 'v1.1.0', ext), 1, `lib@v1.1.0.${ext}`);
      for (const n of ['old', 'mid', 'leaf', 'lib']) assert.equal(asked(t, n, n === 'lib' ? 'v1.1.0' : 'v1.0.0', 'zip'), 1, `${n}: zip`);
      assert.equal(asked(t, 'side', 'v1.0.0', 'mod'), 0, 'below a pruned go.mod the go command reads nothing, and neither does read-ahead');
      assert.equal(asked(t, 'lib', 'v1.0.0', 'zip'), 0);
    });

    test('`go list -m all` gets the .info files it asks for, and no zip is fetched for it', async () => {
      const t = `list${go.minor}-w${workers}`;
      await throughProxy(t, go, workers, async (env, m) => {
        const r = await runGo(['list', '-mod=mod', '-m', 'all'], env.home, env);
        assert.equal(r.code, 0, r.stderr);
        // side is listed from lib's go.mod, whose graph is pruned: its own go.mod is never read.
        assert.deepEqual(r.stdout.trim().split('\n').sort(), [
          `${m('leaf')} v1.0.0`,
          `${m('lib')} v1.1.0`,
          `${m('mid')} v1.0.0`,
          `${m('old')} v1.0.0`,
          `${m('side')} v1.0.0`,
          'ra.test/main',
        ]);
      });
      for (const [n, v] of [
        ['old', 'v1.0.0'],
        ['mid', 'v1.0.0'],
        ['leaf', 'v1.0.0'],
        ['lib', 'v1.1.0'],
      ] as const) {
        assert.equal(asked(t, n, v, 'mod'), 1, `${n}@${v}.mod`);
        assert.equal(asked(t, n, v, 'zip'), 0, `${n}@${v}.zip: the go command asked for no zip`);
      }
      assert.equal(asked(t, 'side', 'v1.0.0', 'zip'), 0);
    });
  });
