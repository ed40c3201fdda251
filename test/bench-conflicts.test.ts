// `gomodproxy bench` when a mirror that fails some requests would drop out of a hash comparison: its
// failed fetches are retried for the comparison, and a disagreement nothing can settle is a conflict
// that names every side and recommends none of them.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../src/bench/cli.js';
import { buildFiles, startProxy, WORKLOAD } from './helpers/bench-mirrors.js';
import { captureIO } from './helpers/cli-io.js';

interface Endpoint {
  url: string;
  status: string;
  mismatches: unknown[];
}

describe('gomodproxy bench with a mirror that fails some requests', () => {
  let dir = '';
  let modulesFile = '';
  const servers: Server[] = [];
  const urls: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gmp-bench-c-'));
    modulesFile = path.join(dir, 'modules.txt');
    await writeFile(modulesFile, `${WORKLOAD.join('\n')}\n`);
    const good = await buildFiles();
    const start = async (name: string, files: typeof good, fail?: (rel: string, seen: number) => boolean) => {
      const seen = new Map<string, number>();
      const s = await startProxy(files, (rel, _req, res) => {
        const n = seen.get(rel) ?? 0;
        seen.set(rel, n + 1);
        return fail?.(rel, n) === true && (res.writeHead(500).end('boom'), true);
      });
      servers.push(s.server);
      urls[name] = s.url;
    };
    await start('fast', good);
    await start('altered', await buildFiles(true));
    // Fails the first request for every path: the first pass gets nothing, a retry gets everything.
    await start('flakyOnce', good, (_rel, n) => n === 0);
    // Never serves a zip.
    await start('noZips', good, (rel) => rel.endsWith('.zip'));
  });

  after(async () => {
    for (const s of servers) s.closeAllConnections(), s.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function bench(names: string[]) {
    const c = captureIO();
    const code = await run([...names.map((n) => String(urls[n])), '--modules', modulesFile, '--sumdb', 'off', '--json'], c.io);
    const report = JSON.parse(c.text.stdout);
    const byName = (n: string): Endpoint => report.analysis.endpoints.find((e: Endpoint) => e.url === urls[n]);
    return { code, report, byName, rec: String(report.recommendation.goproxy), reasons: report.recommendation.reasons as string[] };
  }

  test('failed fetches are retried for the comparison, so the majority names the altered mirror', async () => {
    const { code, report, byName, rec } = await bench(['fast', 'flakyOnce', 'altered']);
    assert.equal(code, 1);
    assert.equal(byName('altered').status, 'altered');
    assert.equal(byName('altered').mismatches.length, 1);
    assert.deepEqual(report.analysis.conflicts, []);
    assert.equal(report.analysis.checkedAgainst.majority, 6);
    assert.ok(!rec.includes(String(urls.altered)), rec);
  });

  test('a disagreement nothing can settle is a conflict: both sides named, neither recommended, and the advice says why', async () => {
    const { code, report, byName, rec, reasons } = await bench(['fast', 'altered', 'noZips']);
    assert.equal(code, 1, 'a conflict means some endpoint served altered bytes');
    assert.equal(report.analysis.conflicts.length, 1);
    assert.match(report.analysis.conflicts[0], /example\.com\/alpha@v1\.0\.0 zip/);
    assert.deepEqual([byName('fast').status, byName('altered').status], ['conflict', 'conflict']);
    assert.ok(!rec.includes(String(urls.fast)) && !rec.includes(String(urls.altered)), rec);
    for (const u of [urls.fast, urls.altered]) {
      assert.ok(
        reasons.some((r) => r.includes(String(u)) && /disagree/.test(r)),
        `a reason names ${u}: ${reasons.join(' / ')}`,
      );
    }
  });
});
