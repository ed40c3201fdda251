// Integration tests for `gomodproxy bench` against local GOPROXY servers on 127.0.0.1: fast, slow, failing
// half its requests, lagging behind on versions, serving an altered zip, a file:// copy, and a checksum database.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { captureIO } from './helpers/cli-io.js';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { run } from '../src/bench/cli.js';
import { hashGoMod } from '../src/modzip/dirhash.js';
import { checkAndHashZip } from '../src/modzip/zip-check.js';
import { escapePath } from '../src/protocol/escape.js';
import { buildFiles, startProxy, WORKLOAD } from './helpers/bench-mirrors.js';
import type { Files, Handler } from './helpers/bench-mirrors.js';
import { generateKey, newSigner } from '../src/sumdb/note-keys.js';
import { sign } from '../src/sumdb/note.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Waits like sleep, but no longer than the client stays connected. */
const hold = (req: IncomingMessage, ms: number) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    req.socket.once('close', () => (clearTimeout(t), r()));
  });

const capture = (signal?: AbortSignal) => captureIO({ signal });

describe('gomodproxy bench', () => {
  let dir = '';
  let modulesFile = '';
  let fileURL = '';
  let sumdbFlag = '';
  let badKeySumdbFlag = '';
  const servers: Server[] = [];
  const urls: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'gmp-bench-'));
    modulesFile = path.join(dir, 'modules.txt');
    await writeFile(modulesFile, `# test workload\n${WORKLOAD.join('\n')}\n`);
    const good = await buildFiles();
    const altered = await buildFiles(true);
    const lagging = new Map(good);
    for (const p of ['example.com/alpha', 'example.com/gamma']) {
      const rel = `${escapePath(p)}/@v/list`;
      lagging.set(rel, Buffer.from(`${(good.get(rel) ?? '').toString().split('\n')[0]}\n`));
    }
    // The file:// endpoint: the same layout on disk, with decoded (`!`) names.
    const root = path.join(dir, 'fileproxy');
    for (const [rel, body] of good) {
      await mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await writeFile(path.join(root, rel), body);
    }
    fileURL = pathToFileURL(root).href;

    // A checksum database that knows the true hashes and signs its tree note.
    const { signerKey, verifierKey } = generateKey('sum.test.example');
    const other = generateKey('sum.test.example');
    const records = new Map<string, string>();
    for (const m of WORKLOAD) {
      const [p = '', v = ''] = m.split('@');
      const zipFile = path.join(dir, 'h.zip');
      await writeFile(zipFile, good.get(`${escapePath(p)}/@v/${v}.zip`) ?? '');
      const zipH1 = (await checkAndHashZip(zipFile, p, v)).h1;
      records.set(`${escapePath(p)}@${v}`, `${p} ${v} ${zipH1}\n${p} ${v}/go.mod ${hashGoMod(good.get(`${escapePath(p)}/@v/${v}.mod`) ?? '')}\n`);
    }
    await writeFile(path.join(dir, 'records.txt'), [...records.values()].join(''));
    const note = sign('go.sum database tree\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n', [newSigner(signerKey)]).toString();
    const lookup: Handler = (rel, _req, res) => {
      const m = /(?:^|\/)lookup\/(.+)$/.exec(rel);
      const rec = m && records.get(m[1] ?? '');
      if (!m) return false;
      if (rec === undefined) res.writeHead(404).end();
      else res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(`1\n${rec}\n${note}`);
      return true;
    };
    const start = async (name: string, files: Files, handler?: Handler) => {
      const s = await startProxy(files, handler);
      servers.push(s.server);
      urls[name] = s.url;
    };
    await start('sumdb', new Map(), lookup);
    sumdbFlag = `${verifierKey} ${urls.sumdb}`;
    badKeySumdbFlag = `${other.verifierKey} ${urls.sumdb}`;
    await start('fast', good);
    await start('slow', good, async () => (await sleep(40), false));
    // For ranking by speed: a margin that scheduling noise on a loaded machine cannot cover.
    await start('slower', good, async () => (await sleep(1000), false));
    await start('flaky', good, (_rel, _req, res, n) => n % 2 === 1 && (res.writeHead(500).end('boom'), true));
    await start('lagging', lagging);
    await start('altered', altered);
    // Far beyond the --timeout the test gives, so that only this endpoint times out on a loaded machine.
    await start('hang', good, async (_rel, req) => (await hold(req, 15_000), false));
    await start('reset', good, (_rel, req) => (req.socket.destroy(), true));
    await start('redirecting', new Map(), (rel, _req, res) => (res.writeHead(302, { location: `${urls.fast}/${rel.replace(/!/g, '%21')}` }).end(), true));
    await start('relaying', good, (rel, req, res, n) =>
      rel === 'sumdb/sum.test.example/supported' ? (res.writeHead(200).end(), true) : rel.startsWith('sumdb/sum.test.example/') && lookup(rel, req, res, n),
    );
  });

  after(async () => {
    for (const s of servers) s.closeAllConnections(), s.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('ranks healthy endpoints by speed, and names the stale, the failing and the altered one', async () => {
    const c = capture();
    const args = [urls.fast, urls.slower, urls.flaky, urls.lagging, urls.altered, fileURL].map(String);
    const code = await run([...args, '--modules', modulesFile, '-n', '24', '--sumdb', sumdbFlag, '--json'], c.io);
    const report = JSON.parse(c.text.stdout);
    const order: string[] = report.analysis.endpoints.map((e: { url: string }) => e.url);
    const byUrl = (u?: string) => report.analysis.endpoints.find((e: { url: string }) => e.url === u);
    assert.equal(code, 1, 'an altered endpoint makes the run fail');
    assert.deepEqual(
      [urls.fast, urls.slower, urls.lagging, urls.flaky, urls.altered, fileURL].map((u) => byUrl(u).status),
      ['ok', 'ok', 'stale', 'failing', 'altered', 'ok'],
    );
    assert.ok(order.indexOf(String(urls.fast)) < order.indexOf(String(urls.slower)), 'fast before slow');
    assert.ok(order.indexOf(String(urls.slower)) < order.indexOf(String(urls.lagging)), 'fresh before stale');
    assert.deepEqual(order.slice(-2), [urls.flaky, urls.altered]);
    assert.deepEqual(byUrl(urls.lagging).missing, [
      { module: 'example.com/alpha', versions: ['v1.1.0'] },
      { module: 'example.com/gamma', versions: ['v1.3.0'] },
    ]);
    assert.deepEqual(
      byUrl(urls.altered).mismatches.map((m: { module: string; file: string; source: string }) => [m.module, m.file, m.source]),
      [['example.com/alpha', 'zip', 'checksum database']],
    );
    assert.equal(byUrl(urls.flaky).failures['5xx'], 12);
    assert.equal(report.analysis.checkedAgainst['checksum database'], 6);
    assert.equal(report.sumdb.records, 3);
    const rec: string = report.recommendation.goproxy;
    assert.match(rec, /\|.*,direct$/);
    assert.ok(!rec.includes(String(urls.altered)) && !rec.includes(String(urls.flaky)));
    assert.ok(rec.indexOf(String(urls.slower)) < rec.indexOf(String(urls.lagging)) || !rec.includes(String(urls.lagging)));
  });

  test('without a checksum database the altered zip is named by the majority; Markdown and an SVG chart are written', async () => {
    const chart = path.join(dir, 'chart.svg');
    const c = capture();
    const code = await run(
      [String(urls.fast), String(urls.altered), String(urls.slow), '--modules', modulesFile, '--sumdb', 'off', '--markdown', '--chart', chart],
      c.io,
    );
    assert.equal(code, 1);
    assert.match(c.text.stdout, /ALTERED example.com\/alpha@v1.0.0 .zip is h1:\S+, the majority says h1:/);
    assert.match(c.text.stdout, /^\| 1 \| http:\/\/127\.0\.0\.1:\d+ \| ok \|/m);
    assert.match(c.text.stdout, /checksum database: not consulted/);
    const svg = await readFile(chart, 'utf8');
    assert.match(svg, /^<svg xmlns/);
    assert.equal(svg.match(/<circle /g)?.length, 36, 'one dot per successful request');
  });

  test('sorts failures into timeout, reset, connect and 404', async () => {
    const empty = (await startProxy(new Map())).server;
    servers.push(empty);
    const emptyURL = `http://127.0.0.1:${(empty.address() as AddressInfo).port}`;
    const c = capture();
    const code = await run(
      [
        String(urls.hang),
        String(urls.reset),
        'http://127.0.0.1:1',
        emptyURL,
        '--modules',
        modulesFile,
        '--timeout',
        '3s',
        '-c',
        '12',
        '--sumdb',
        'off',
        '--json',
      ],
      c.io,
    );
    assert.equal(code, 1, 'no endpoint answered');
    const kinds = JSON.parse(c.text.stdout).analysis.endpoints.map((e: { url: string; failures: object; status: string }) => [e.url, e.failures, e.status]);
    assert.deepEqual(
      new Set(kinds.map((k: unknown[]) => JSON.stringify(k))),
      new Set(
        [
          [urls.hang, { timeout: 12 }, 'down'],
          [urls.reset, { reset: 12 }, 'down'],
          ['http://127.0.0.1:1', { connect: 12 }, 'down'],
          [emptyURL, { 404: 12 }, 'down'],
        ].map((k) => JSON.stringify(k)),
      ),
    );
    assert.match(c.text.stdout, /"goproxy": "direct"/);
  });

  test('follows redirects, as the go command does, to the bytes at the end', async () => {
    const c = capture();
    const code = await run([String(urls.redirecting), '--modules', modulesFile, '--sumdb', sumdbFlag, '--json'], c.io);
    assert.equal(code, 0);
    const e = JSON.parse(c.text.stdout).analysis.endpoints[0];
    assert.deepEqual([e.status, e.failed, e.mismatches.length], ['ok', 0, 0]);
  });

  test('Ctrl-C prints the partial report and exits 130', async () => {
    const ac = new AbortController();
    const c = capture(ac.signal);
    setTimeout(() => ac.abort(), 250);
    // 10000 requests one at a time to an endpoint that waits 40 ms each would take minutes: returning at
    // all with 130 and a partial report means the interrupt stopped the run.
    const code = await run([String(urls.slow), '--modules', modulesFile, '-n', '10000', '-c', '1', '--sumdb', 'off'], c.io);
    assert.equal(code, 130);
    assert.match(c.text.stdout, /PARTIAL: interrupted/);
    assert.match(c.text.stdout, /Recommended: go env -w GOPROXY=/);
  });

  test('the duration cap ends the run with a partial report', async () => {
    const c = capture();
    const code = await run([String(urls.slow), '--modules', modulesFile, '-n', '10000', '--duration', '300ms', '--sumdb', 'off', '--json'], c.io);
    assert.equal(code, 0);
    const r = JSON.parse(c.text.stdout);
    assert.equal(r.partial, 'duration cap');
    // How many requests fit in 300 ms depends on the machine's load; that the run stopped early does not.
    assert.ok(r.analysis.endpoints[0].requests < 10000);
  });

  test('a database answer signed by another key is not trusted, and hashes are compared across endpoints instead', async () => {
    const c = capture();
    await run([String(urls.fast), String(urls.altered), String(urls.slow), '--modules', modulesFile, '--sumdb', badKeySumdbFlag, '--json'], c.io);
    const r = JSON.parse(c.text.stdout);
    assert.match(r.sumdb.error, /fails verification/);
    assert.equal(r.analysis.checkedAgainst.majority, 6);
    assert.equal(r.analysis.endpoints.at(-1).status, 'altered');
  });

  test('reaches the checksum database through an endpoint that relays it when the database itself does not answer', async () => {
    const c = capture();
    const key = sumdbFlag.split(' ')[0] ?? '';
    // The fast endpoint does not relay (404 for .../supported), so its 404s must not count as answers.
    await run([String(urls.fast), String(urls.relaying), '--modules', modulesFile, '--sumdb', key, '--timeout', '2s', '--json'], c.io);
    const r = JSON.parse(c.text.stdout);
    assert.equal(r.sumdb.base, `${urls.relaying}/sumdb/sum.test.example`);
    assert.equal(r.sumdb.unknown, 0);
    assert.equal(r.analysis.checkedAgainst['checksum database'], 6);
  });

  test('checks hashes against a go.sum given with --from, and draws a progress bar on a terminal', async () => {
    const sum = path.join(dir, 'go.sum');
    const lines = await readFile(path.join(dir, 'records.txt'), 'utf8');
    await writeFile(sum, lines);
    const c = capture();
    Object.assign(c.io.stderr, { isTTY: true });
    const code = await run([String(urls.fast), String(urls.altered), '--from', sum, '--sumdb', 'off', '--json'], c.io);
    assert.equal(code, 1);
    const r = JSON.parse(c.text.stdout);
    assert.equal(r.analysis.checkedAgainst['go.sum'], 6);
    assert.deepEqual(
      r.analysis.endpoints.map((e: { status: string }) => e.status),
      ['ok', 'altered'],
    );
    assert.equal(r.analysis.endpoints[1].mismatches[0].source, 'go.sum');
    const text = capture();
    Object.assign(text.io.stderr, { isTTY: true });
    await run([String(urls.fast), '--from', sum, '--sumdb', 'off'], text.io);
    assert.match(text.text.stderr, /\r\[#+\] 12\/12 requests, \d+\.\d s\n$/);
  });

  test('prints usage for --help and exits 2 on bad flags', async () => {
    const help = capture();
    assert.equal(await run(['--help'], help.io), 0);
    assert.match(help.text.stdout, /^usage: gomodproxy bench/);
    for (const bad of [['--bogus'], ['-c', '0', 'http://x.example'], ['--chart', 'x.png', 'http://x.example'], ['--modules', 'a', '--from', 'b']]) {
      const c = capture();
      assert.equal(await run(bad, c.io), 2, bad.join(' '));
      assert.match(c.text.stderr, /gomodproxy bench: /);
    }
  });
});
