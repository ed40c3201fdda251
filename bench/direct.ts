// Direct-mode benchmark: `go mod download` of the fixture repositories' versions through gomodproxy
// (upstream `direct`) against the go command's own GOPROXY=direct, cold, warm and for new versions of
// already-mirrored repositories. `node --import tsx bench/direct.ts [--quick] [--profile]`.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtures } from '../test/helpers/git-fixtures.js';
import { directGoEnv, directProxyFlags } from '../test/helpers/git-oracle.js';
import { goDownload } from '../test/helpers/go.js';
import { startGitServer } from '../test/helpers/git-server.js';
import { goEnv } from '../test/helpers/go.js';
import type { GoEnv } from '../test/helpers/go.js';
import { startProxy } from '../test/helpers/proxy.js';
import { gitStats } from '../src/vcs/git-run.js';

interface Row {
  readonly scenario: string;
  readonly goDirectMs: number[];
  readonly gomodproxyMs: number[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function timed(env: GoEnv, args: string[], label = ''): Promise<number> {
  gitStats.clear();
  const t0 = performance.now();
  const { result } = await goDownload(env, args);
  if (result.code !== 0) throw new Error(`go mod download failed: ${result.stderr.slice(0, 500)}`);
  const ms = Math.round(performance.now() - t0);
  if (label !== '' && process.argv.includes('--profile')) printGitStats(label, ms);
  return ms;
}

/** `--profile`: the git calls gomodproxy made during one timed download (calls and summed wall time). */
function printGitStats(label: string, ms: number): void {
  const rows = [...gitStats].sort((a, b) => b[1].ms - a[1].ms).map(([cmd, s]) => `${cmd} ${s.calls}×/${s.ms}ms`);
  process.stderr.write(`[${label}] ${ms} ms; git: ${rows.join(', ') || 'none'}\n`);
}

/** Drops the go command's downloaded modules but keeps its VCS clones (its best "warm" case). */
async function dropModuleCache(env: GoEnv): Promise<void> {
  const mod = env.env.GOMODCACHE as string;
  await rm(path.join(mod, 'cache', 'download'), { recursive: true, force: true });
  await rm(path.join(mod, 'github.com'), { recursive: true, force: true });
}

export async function runDirectBench(opts: { quick: boolean }): Promise<{ markdown: string; json: unknown }> {
  const runs = opts.quick ? 1 : 3;
  const work = await mkdtemp(path.join(tmpdir(), 'gmp-bench-direct-'));
  const fx = await buildFixtures(path.join(work, 'repos'));
  const git = await startGitServer(path.join(work, 'repos'));
  // First versions of each repository, then the rest (new versions of mirrored repositories).
  const tagged = fx.downloads.filter((d) => /@v\d/.test(d));
  const firsts = tagged.filter((d, i) => tagged.findIndex((e) => e.split('@')[0] === d.split('@')[0]) === i);
  const seconds = fx.downloads.filter((d) => !firsts.includes(d));
  const rows: Row[] = [
    { scenario: `cold: all ${fx.downloads.length} versions, nothing cached`, goDirectMs: [], gomodproxyMs: [] },
    { scenario: 'warm: the same again (go: VCS clones kept; gomodproxy: cache filled)', goDirectMs: [], gomodproxyMs: [] },
    { scenario: `new versions of mirrored repositories (${seconds.length} versions)`, goDirectMs: [], gomodproxyMs: [] },
  ];
  try {
    for (let i = 0; i < runs; i++) {
      const dgo = await directGoEnv(git.url);
      rows[0]?.goDirectMs.push(await timed(dgo, fx.downloads));
      await dropModuleCache(dgo);
      rows[1]?.goDirectMs.push(await timed(dgo, fx.downloads));
      const dgo2 = await directGoEnv(git.url);
      await timed(dgo2, firsts);
      await dropModuleCache(dgo2);
      rows[2]?.goDirectMs.push(await timed(dgo2, seconds));

      const proxy = await startProxy(directProxyFlags(git.url));
      rows[0]?.gomodproxyMs.push(await timed(await goEnv(proxy.url), fx.downloads, 'cold'));
      rows[1]?.gomodproxyMs.push(await timed(await goEnv(proxy.url), fx.downloads, 'warm'));
      await proxy.close();
      const proxy2 = await startProxy(directProxyFlags(git.url));
      await timed(await goEnv(proxy2.url), firsts, 'firsts');
      rows[2]?.gomodproxyMs.push(await timed(await goEnv(proxy2.url), seconds, 'new'));
      await proxy2.close();
    }
  } finally {
    await git.close();
    await rm(work, { recursive: true, force: true });
  }
  const table = rows.map((r) => {
    const g = median(r.goDirectMs);
    const p = median(r.gomodproxyMs);
    return { scenario: r.scenario, goDirectMedianMs: g, gomodproxyMedianMs: p, speedup: Math.round((g / p) * 10) / 10, runs: r };
  });
  const markdown = [
    `### Direct mode: go mod download, go command GOPROXY=direct vs gomodproxy upstream direct (${runs} run${runs > 1 ? 's' : ''}, median)`,
    '',
    '| scenario | go direct (ms) | gomodproxy (ms) | speed-up |',
    '|---|---:|---:|---:|',
    ...table.map((t) => `| ${t.scenario} | ${t.goDirectMedianMs} | ${t.gomodproxyMedianMs} | ${t.speedup}× |`),
    '',
  ].join('\n');
  return { markdown, json: { suite: 'direct', quick: opts.quick, date: new Date().toISOString(), results: table } };
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { markdown, json } = await runDirectBench({ quick: process.argv.includes('--quick') });
  process.stdout.write(`${markdown}\n`);
  const out = path.join(path.dirname(fileURLToPath(import.meta.url)), 'results');
  await mkdir(out, { recursive: true });
  await writeFile(path.join(out, 'direct.json'), `${JSON.stringify(json, null, 2)}\n`);
}
