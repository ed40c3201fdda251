// Integration: the proxy's own failures, on a real process. A full disk during a fill is ours: a zip that
// streams into scratch gets a 503 that says so, a small one checked in memory is still answered, and either
// way the failure is logged at error, nothing partial is kept, and the next fill works once there is room. A
// disk filled by other data makes the proxy evict its least recently used zips (--cache-min-free), so the next
// fill finds room. A fill killed with SIGKILL mid-way leaves nothing that the next start does not remove.
import { after, before, describe, test } from 'node:test';
import type { TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { Agent } from 'undici';
import { atomicLeftovers, cacheFiles, scratchFiles } from './helpers/data-dir.js';
import { eventually } from './helpers/eventually.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { runCli } from './helpers/in-process-cli.js';
import { startProxyProcess } from './helpers/proxy-process.js';
import type { ProxyProcess } from './helpers/proxy-process.js';
import { startProxy } from './helpers/proxy.js';

const run = promisify(execFile);
const ZIP = '/example.com/lib/@v/v1.1.0.zip';
const FLAGS = { workers: '1', sumdb: 'off', 'own-sumdb': 'off', retries: '0' };
const OLD = ['example.com/old1', 'example.com/old2', 'example.com/old3', 'example.com/old4'];
let up: FakeUpstream;
let upRoot: string;

before(async () => {
  // example.com/big: a 5 MiB zip (random bytes do not compress) that a 4 MiB disk cannot hold.
  const big = { path: 'example.com/big', versions: [{ version: 'v1.0.0', files: { 'big.bin': randomBytes(5 << 20) } }] };
  // Four zips of 500 KiB: half of a 4 MiB disk, for eviction to give back.
  const old = OLD.map((p) => ({ path: p, versions: [{ version: 'v1.0.0', files: { 'old.bin': randomBytes(500 << 10) } }] }));
  upRoot = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-local-')), [...sampleModules(), big, ...old]);
  up = await startFakeUpstream(upRoot);
});
after(() => up.close());

/** Writes `file` until the file system it is on has no room left. */
async function fillUp(file: string): Promise<void> {
  const fh = await open(file, 'w');
  const chunk = Buffer.alloc(64 << 10, 1);
  try {
    for (;;) await fh.write(chunk);
  } catch (err) {
    assert.equal((err as NodeJS.ErrnoException).code, 'ENOSPC');
  } finally {
    await fh.close();
  }
}

/** A proxy whose --data is on a 4 MiB tmpfs that `fn` may fill up; skipped where mounting needs root. */
async function onSmallDisk(
  t: TestContext,
  fn: (proxy: ProxyProcess, data: string, mnt: string) => Promise<void>,
  flags: Record<string, string> = {},
): Promise<void> {
  const mnt = await mkdtemp(path.join(tmpdir(), 'gmp-full-'));
  // A real small file system: only root may mount one (CI runs as root).
  const mounted = await run('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', mnt]).then(
    () => true,
    () => false,
  );
  if (!mounted) return t.skip('mounting a small tmpfs needs root');
  const data = path.join(mnt, 'data');
  const proxy = await startProxyProcess({ ...FLAGS, upstream: up.url, data, ...flags });
  try {
    await mkdir(data, { recursive: true });
    await fn(proxy, data, mnt);
  } finally {
    up.faults.clear();
    await proxy.stop();
    await run('umount', [mnt]).catch(() => undefined);
  }
}

/** The proxy's log lines naming a full disk, once there are any: all at level error. */
async function loggedFullDisk(proxy: ProxyProcess): Promise<void> {
  // The log line comes through the child's stdout pipe, possibly after the answer.
  const logged = () => proxy.logs.filter((l) => l.includes('"GMP_ERR_STORAGE_FULL"'));
  await eventually(async () => logged().length > 0, 'the failure is logged');
  for (const l of logged().map((x) => JSON.parse(x) as { level: number })) assert.equal(l.level, 50, `logged at error: ${JSON.stringify(l)}`);
}

/** The zip once there is room again: answered whole, and stored. */
async function storedOnceThereIsRoom(proxy: ProxyProcess, data: string, mnt: string): Promise<void> {
  await rm(path.join(mnt, 'filler'));
  const again = await fetch(proxy.url + ZIP);
  assert.equal(again.status, 200, await again.clone().text());
  assert.equal(
    Buffer.from(await again.arrayBuffer())
      .subarray(0, 2)
      .toString(),
    'PK',
  );
  const stored = 'cache/example.com/lib/@v/v1.1.0.zip';
  await eventually(async () => (await cacheFiles(data)).includes(stored), 'the zip is stored');
}

describe('a full disk', () => {
  test('a zip streaming into scratch meets a full disk: 503 naming our disk, logged at error, nothing partial kept', (t) =>
    onSmallDisk(t, async (proxy, data, mnt) => {
      // Without a Content-Length the zip streams into its scratch file, which the full disk refuses.
      up.faults.set(ZIP, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
      await fillUp(path.join(mnt, 'filler'));
      const res = await fetch(proxy.url + ZIP);
      const text = await res.text();
      assert.equal(res.status, 503, text);
      assert.match(text, /the proxy's disk is full \(ENOSPC\)/);
      assert.doesNotMatch(text, /invalid zip|upstream/);
      await loggedFullDisk(proxy);
      assert.deepEqual(await cacheFiles(data), []);
      assert.deepEqual(await scratchFiles(data), []);
      assert.deepEqual(await atomicLeftovers(data), []);
      await storedOnceThereIsRoom(proxy, data, mnt);
    }));

  test('a small zip checked in memory is still answered on a full disk; only storing it fails, at error, and nothing partial is kept', (t) =>
    onSmallDisk(t, async (proxy, data, mnt) => {
      await fillUp(path.join(mnt, 'filler'));
      const res = await fetch(proxy.url + ZIP);
      const body = Buffer.from(await res.arrayBuffer());
      assert.equal(res.status, 200, body.toString());
      assert.ok(body.equals(await readFile(path.join(upRoot, 'example.com/lib/@v/v1.1.0.zip'))), 'the validated bytes');
      await loggedFullDisk(proxy);
      assert.deepEqual(await cacheFiles(data), []);
      assert.deepEqual(await scratchFiles(data), []);
      assert.deepEqual(await atomicLeftovers(data), []);
      await storedOnceThereIsRoom(proxy, data, mnt);
    }));
});

/** /readyz as the proxy (or the one worker `askWorker` picks) answers it: status, degraded header, body. */
async function readyz(res: Response): Promise<[number, string | null, string]> {
  return [res.status, res.headers.get('x-gomodproxy-degraded'), await res.text()];
}

describe('a full disk in /readyz', () => {
  test('a full disk makes /readyz say degraded (200, naming the disk and its reason) while hits are still served, and ready once something is stored again', (t) =>
    onSmallDisk(
      t,
      async (proxy, data, mnt) => {
        const hit = '/example.com/lib/@v/v1.0.0.mod';
        assert.equal((await fetch(proxy.url + hit)).status, 200);
        assert.deepEqual(await readyz(await fetch(`${proxy.url}/readyz`)), [200, null, 'ready\n']);
        await fillUp(path.join(mnt, 'filler'));
        up.faults.set(ZIP, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
        const res = await fetch(proxy.url + ZIP);
        assert.equal(res.status, 503, await res.text());
        const [status, header, body] = await readyz(await fetch(`${proxy.url}/readyz`));
        // Degraded, not unready: the hits are served, and a disk shared by every replica (fs:) would otherwise take them all out.
        assert.equal(status, 200, body);
        assert.equal(header, 'disk');
        assert.match(body, /^degraded: disk: full since \d{4}-\d\d-\d\dT[^ ]+Z \(ENOSPC\): /);
        const again = await fetch(proxy.url + hit);
        assert.equal(again.status, 200, 'a hit is still served');
        up.faults.clear();
        await storedOnceThereIsRoom(proxy, data, mnt);
        await eventually(async () => (await (await fetch(`${proxy.url}/readyz`)).text()) === 'ready\n', '/readyz says ready again');
      },
      { 'cache-min-free': '0' },
    ));

  test('with --workers 2, a full disk one worker met is in the /readyz of the other, until a store ends it', (t) =>
    onSmallDisk(
      t,
      async (proxy, data, mnt) => {
        const [one, two] = (await proxy.workers()) as [number, number];
        assert.deepEqual(await readyz(await askWorker(proxy, two, '/readyz')), [200, null, 'ready\n']);
        await fillUp(path.join(mnt, 'filler'));
        up.faults.set(ZIP, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
        assert.equal((await askWorker(proxy, one)).status, 503);
        up.faults.clear();
        await eventually(async () => (await readyz(await askWorker(proxy, two, '/readyz')))[1] === 'disk', 'the other worker says degraded: disk');
        const [status, , body] = await readyz(await askWorker(proxy, two, '/readyz'));
        assert.equal(status, 200, body);
        assert.match(body, /^degraded: disk: full since .*\(ENOSPC\)/);
        await rm(path.join(mnt, 'filler'));
        assert.equal((await askWorker(proxy, one)).status, 200);
        await eventually(async () => (await askWorker(proxy, two, '/readyz').then((r) => r.text())) === 'ready\n', 'both say ready again');
        assert.ok((await cacheFiles(data)).length > 0);
      },
      { workers: '2', 'cache-min-free': '0', 'worker-hang-timeout': '0s' },
    ));
});

/** A 503 that names the proxy's full disk, with Retry-After. */
async function fullDiskAnswer(res: Response): Promise<void> {
  const text = await res.text();
  assert.equal(res.status, 503, text);
  assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
  assert.match(text, /the proxy's disk is full \(ENOSPC\)/);
}

describe('writes besides fills on a full disk', () => {
  test('an upload received into scratch on a full disk is 503 naming our disk (not a 400 blaming the client); nothing stored', (t) =>
    onSmallDisk(t, async (proxy, data, mnt) => {
      const c = await runCli(['token', 'create', '--name', 'ci', '--scope', 'publish:corp.example.com', '--data', data]);
      assert.equal(c.code, 0, c.stderr);
      await fillUp(path.join(mnt, 'filler'));
      // Random bytes: the upload is far larger than what is left, and cannot be a module zip anyway.
      const res = await fetch(`${proxy.url}/corp.example.com/api/@v/v0.1.0.zip`, {
        method: 'PUT',
        body: new Uint8Array(randomBytes(1 << 20)),
        headers: { authorization: `Bearer ${c.stdout.trim()}` },
      });
      await fullDiskAnswer(res);
      assert.deepEqual(await cacheFiles(data), []);
      assert.deepEqual(await scratchFiles(data), []);
    }));

  test('a zip an operator copied into the cache without its hash, asked on a full disk, is 503 naming our disk (its check needs a scratch copy), and 200 once there is room', (t) =>
    onSmallDisk(
      t,
      async (proxy, data, mnt) => {
        const rel = 'example.com/lib/@v/v1.0.0.zip';
        const zip = await readFile(path.join(upRoot, rel));
        await mkdir(path.join(data, 'cache', path.dirname(rel)), { recursive: true });
        await writeFile(path.join(data, 'cache', rel), zip);
        await fillUp(path.join(mnt, 'filler'));
        await fullDiskAnswer(await fetch(`${proxy.url}/${rel}`));
        await rm(path.join(mnt, 'filler'));
        const res = await fetch(`${proxy.url}/${rel}`);
        assert.equal(res.status, 200, await res.clone().text());
        assert.ok(Buffer.from(await res.arrayBuffer()).equals(zip));
      },
      { upstream: 'off', 'cache-min-free': '0' },
    ));

  for (const workers of ['1', '2']) {
    test(`with --workers ${workers}, a token made through the Admin API on a full disk is 503 naming our disk (the coordinator's values are files there), not a 500`, (t) =>
      onSmallDisk(
        t,
        async (proxy, _data, mnt) => {
          await fillUp(path.join(mnt, 'filler'));
          // Without --auth, a request made on the proxy's own machine may administer.
          const res = await fetch(`${proxy.url}/api/v1/admin/tokens`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ name: 'ci', scopes: ['read:example.com'] }),
          });
          await fullDiskAnswer(res);
        },
        { workers, 'worker-hang-timeout': '0s' },
      ));
  }

  test('token create on a full disk says so in one line and exits 1 (no stack)', (t) =>
    onSmallDisk(t, async (_proxy, data, mnt) => {
      await fillUp(path.join(mnt, 'filler'));
      const c = await runCli(['token', 'create', '--name', 'ci', '--scope', 'read:example.com', '--data', data]);
      assert.equal(c.code, 1, c.stderr);
      assert.match(c.stderr, /^gomodproxy token[^:]*: .*the proxy's disk is full \(ENOSPC\)[^\n]*\n$/);
    }));
});

/** A counter's value from /metrics (0 when absent). */
async function metric(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(new RegExp(`^${name}\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
}

/** The failures counted, then the one line at error that logged their run (and nothing else at warn or error). */
async function oneRunLogged(proxy: ProxyProcess, from: number, failures: number): Promise<Record<string, unknown>> {
  await eventually(
    async () => (await metric(proxy.url, 'gomodproxy_local_failures_total', 'code="GMP_ERR_STORAGE_FULL",reason="ENOSPC"')) >= failures,
    'every failure is counted',
  );
  const named = proxy.logs.slice(from).filter((l) => l.includes('ENOSPC'));
  const errors = proxy.logs.slice(from).filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
  assert.equal(named.length, 1, named.join('\n'));
  assert.deepEqual(errors, named, 'nothing else at warn or error');
  return JSON.parse(named[0] as string) as Record<string, unknown>;
}

/** The one line that says storing works again (once the zip is stored with room again). */
async function recoveryLogged(proxy: ProxyProcess, from: number): Promise<{ level: number; reason: string; failures: number }> {
  const works = () => proxy.logs.slice(from).filter((l) => l.includes('"local storage works again"'));
  await eventually(async () => works().length === 1, 'the recovery is logged');
  return JSON.parse(works()[0] as string) as { level: number; reason: string; failures: number };
}

describe('a run of full-disk failures in the log', () => {
  test('many requests failing on a full disk log one line at error, with the reason and no stack, and one when storing works again; each still gets its 503', (t) =>
    onSmallDisk(
      t,
      async (proxy, data, mnt) => {
        await fillUp(path.join(mnt, 'filler'));
        const from = proxy.logs.length;
        // Zips that stream into scratch: 503 each. Then small answers and a small zip, served but not stored.
        up.faults.set(ZIP, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
        for (let i = 0; i < 6; i++) {
          const res = await fetch(proxy.url + ZIP);
          assert.equal(res.status, 503, await res.text());
          assert.ok(Number(res.headers.get('retry-after')) > 0, 'Retry-After');
        }
        up.faults.clear();
        for (const f of ['info', 'mod', 'zip']) {
          const res = await fetch(`${proxy.url}/example.com/lib/@v/v1.0.0.${f}`);
          assert.equal(res.status, 200, await res.text());
        }
        assert.equal(await metric(proxy.url, 'gomodproxy_http_requests_total', 'endpoint="zip",status="503"'), 6);
        // Each failure counted: the six fills, and the writes of the answers served (at least one each).
        const line = await oneRunLogged(proxy, from, 9);
        assert.equal(line.level, 50);
        assert.equal(line.code, 'GMP_ERR_STORAGE_FULL');
        assert.equal(line.reason, 'ENOSPC');
        assert.match(String(line.err), /the proxy's disk is full \(ENOSPC\)/);
        assert.doesNotMatch(JSON.stringify(line), /stack| {4}at /, 'no stack for a known condition');
        // Room again: the next fill is stored, and that is said once.
        await storedOnceThereIsRoom(proxy, data, mnt);
        const recovered = await recoveryLogged(proxy, from);
        assert.equal(recovered.level, 30);
        assert.equal(recovered.reason, 'ENOSPC');
        assert.ok(recovered.failures >= 9, `${recovered.failures} failures in the run`);
        const errors = proxy.logs.slice(from).filter((l) => (JSON.parse(l) as { level: number }).level >= 40);
        assert.equal(errors.length, 1, errors.join('\n'));
      },
      // Eviction left out: this is about the log.
      { 'cache-min-free': '0' },
    ));
});

/** A zip request that only this worker can take: the others are stopped while it connects and is answered. */
async function askWorker(proxy: ProxyProcess, worker: number, zip = ZIP): Promise<Response> {
  const others = (await proxy.workers()).filter((pid) => pid !== worker);
  for (const pid of others) process.kill(pid, 'SIGSTOP');
  // A connection of its own, accepted by the one worker that runs.
  const own = new Agent({ connections: 1 });
  try {
    const res = await fetch(proxy.url + zip, { dispatcher: own } as RequestInit);
    await res.clone().arrayBuffer();
    return res;
  } finally {
    for (const pid of others) process.kill(pid, 'SIGCONT');
    await own.close();
  }
}

describe('a run of full-disk failures with --workers', () => {
  test('every worker failing on the full disk makes one line at error for the whole server, and one when storing works again', (t) =>
    onSmallDisk(
      t,
      async (proxy, data, mnt) => {
        await fillUp(path.join(mnt, 'filler'));
        const from = proxy.logs.length;
        up.faults.set(ZIP, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
        const workers = await proxy.workers();
        assert.equal(workers.length, 2);
        // Each worker meets the full disk, twice.
        for (const w of [...workers, ...workers]) {
          const res = await askWorker(proxy, w);
          assert.equal(res.status, 503, await res.text());
        }
        up.faults.clear();
        const line = await oneRunLogged(proxy, from, 4);
        assert.deepEqual([line.level, line.code, line.reason], [50, 'GMP_ERR_STORAGE_FULL', 'ENOSPC']);
        await storedOnceThereIsRoom(proxy, data, mnt);
        const recovered = await recoveryLogged(proxy, from);
        assert.equal(recovered.reason, 'ENOSPC');
        assert.ok(recovered.failures >= 4, `${recovered.failures} failures in the run, over both workers`);
        // A new run after the recovery is told again, once.
        await fillUp(path.join(mnt, 'filler'));
        const other = ZIP.replace('v1.1.0', 'v1.0.0');
        up.faults.set(other, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
        for (const w of workers) assert.equal((await askWorker(proxy, w, other)).status, 503);
        // (Writes of other kinds that meet the disk now may log on their own: only the runs are counted.)
        const runs = () => proxy.logs.slice(from).filter((l) => l.includes('"local storage failing'));
        await eventually(async () => runs().length === 2, 'the new run is logged');
      },
      { workers: '2', 'cache-min-free': '0', 'worker-hang-timeout': '0s' },
    ));
});

describe('a disk filled by other data', () => {
  test('with no --cache-max-size, a fill that meets the full disk makes the proxy evict its least recently used zips, and the next cold fill is stored', (t) =>
    onSmallDisk(
      t,
      async (proxy, data, mnt) => {
        for (const m of OLD) {
          const res = await fetch(`${proxy.url}/${m}/@v/v1.0.0.zip`);
          assert.equal(res.status, 200, await res.clone().text());
          await res.arrayBuffer();
          await eventually(async () => (await cacheFiles(data)).includes(`cache/${m}/@v/v1.0.0.zip`), `${m} is stored`);
        }
        // Other data takes every byte left: 2 MiB of zips are all the proxy can give back.
        await fillUp(path.join(mnt, 'filler'));
        up.faults.set(ZIP, { kind: 'trickle', bytes: 1 << 20, everyMs: 1, chunked: true });
        const first = await fetch(proxy.url + ZIP);
        assert.equal(first.status, 503, await first.text());
        // 1.25 MiB to free: the three least recently used zips go, the newest stays, and so does every h1.
        const zips = async () => (await cacheFiles(data)).filter((f) => f.endsWith('.zip'));
        const evicted = () => proxy.logs.filter((l) => l.includes('"evicted a zip (least recently used)"'));
        // Each zip's line comes after its delete, through the child's stdout pipe.
        await eventually(async () => evicted().length >= 3, 'the least recently used zips are evicted');
        assert.deepEqual(await zips(), ['cache/example.com/old4/@v/v1.0.0.zip']);
        for (const m of OLD) assert.ok((await cacheFiles(data)).includes(`cache/${m}/@v/v1.0.0.ziphash`), `the h1 of ${m}`);
        assert.equal(evicted().length, 3, evicted().join('\n'));
        for (const l of evicted()) assert.equal((JSON.parse(l) as { reason: string }).reason, 'cache-min-free', l);
        // The filler is still there: only what eviction gave back makes room.
        const next = await fetch(proxy.url + ZIP);
        assert.equal(next.status, 200, await next.clone().text());
        await next.arrayBuffer();
        await eventually(async () => (await cacheFiles(data)).includes('cache/example.com/lib/@v/v1.1.0.zip'), 'the zip is stored');
        assert.deepEqual(await scratchFiles(data), []);
      },
      { 'cache-min-free': '1MiB' },
    ));
});

describe('a bundle import on a full disk', () => {
  test('staging meets a full disk: one line naming it and exit 1 from the CLI, 503 from a running proxy; nothing stored, no scratch left', (t) =>
    onSmallDisk(t, async (proxy, data, mnt) => {
      const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-bundle-full-'));
      const bundle = path.join(tmp, 'big.tar');
      const flags = ['--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'silent'];
      const exp = await runCli(['bundle', 'export', 'example.com/big@v1.0.0', '-o', bundle, '--data', path.join(tmp, 'a'), '--upstream', up.url, ...flags]);
      assert.equal(exp.code, 0, exp.stderr);
      // Into a data directory on the small disk, no server running: the 5 MiB zip cannot be staged.
      const offline = path.join(mnt, 'offline');
      const r = await runCli(['bundle', 'import', bundle, '--data', offline, '--upstream', 'off', ...flags]);
      assert.equal(r.code, 1, r.stdout);
      assert.match(
        r.stderr,
        /^gomodproxy bundle import: the proxy's disk is full \(ENOSPC\) while staging bundle entry cache\/example\.com\/big\/@v\/v1\.0\.0\.zip/,
      );
      assert.equal(r.stderr.trim().split('\n').length, 1, `one line, no stack: ${r.stderr}`);
      assert.deepEqual(await cacheFiles(offline), []);
      assert.deepEqual(await scratchFiles(offline), []);
      await rm(offline, { recursive: true, force: true });
      // The same bundle sent to the running proxy: our disk, not an internal error.
      const res = await fetch(`${proxy.url}/api/v1/admin/bundles`, { method: 'POST', body: await readFile(bundle) });
      const text = await res.text();
      assert.equal(res.status, 503, text);
      assert.match(text, /the proxy's disk is full \(ENOSPC\)/);
      assert.ok(Number(res.headers.get('retry-after')) > 0);
      assert.deepEqual(await cacheFiles(data), []);
      assert.deepEqual(await scratchFiles(data), []);
      await rm(tmp, { recursive: true, force: true });
    }));
});

describe('a bundle export onto a full disk', () => {
  test('writing the bundle file meets a full disk: one line naming it and exit 1, no stack, no partial file left', (t) =>
    onSmallDisk(t, async (_proxy, _data, mnt) => {
      const tmp = await mkdtemp(path.join(tmpdir(), 'gmp-export-full-'));
      try {
        // The 5 MiB zip, into a bundle file on the 4 MiB disk.
        const bundle = path.join(mnt, 'out', 'big.tar');
        await mkdir(path.dirname(bundle));
        const flags = ['--sumdb', 'off', '--own-sumdb', 'off', '--log-level', 'silent'];
        const exp = await runCli(['bundle', 'export', 'example.com/big@v1.0.0', '-o', bundle, '--data', path.join(tmp, 'a'), '--upstream', up.url, ...flags]);
        assert.equal(exp.code, 1, exp.stderr);
        assert.match(exp.stderr, /^gomodproxy bundle export: .*no space left on device \(ENOSPC\)/);
        assert.equal(exp.stderr.trim().split('\n').length, 1, `one line, no stack: ${exp.stderr}`);
        assert.deepEqual(await readdir(path.dirname(bundle)), [], 'no partial bundle left');
      } finally {
        await rm(tmp, { recursive: true, force: true });
      }
    }));
});

describe('a fill killed mid-way', () => {
  test('SIGKILL during a zip fill leaves nothing in the cache, and the next start clears the partial download', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-kill-'));
    // Without a Content-Length the zip streams into its scratch file as it comes (a small zip of announced
    // length is read into memory first and would leave no partial file to clear).
    up.faults.set(ZIP, { kind: 'trickle', bytes: 16, everyMs: 50, chunked: true });
    const first = await startProxyProcess({ ...FLAGS, upstream: up.url, data });
    try {
      const pending = fetch(first.url + ZIP).catch(() => undefined);
      // Wait until the download has begun writing its scratch file, then kill without warning.
      for (let i = 0; i < 400 && (await scratchFiles(data)).length === 0; i++) await sleep(50);
      assert.notDeepEqual(await scratchFiles(data), [], 'the fill was under way');
      first.child.kill('SIGKILL');
      await pending;
    } finally {
      first.child.kill('SIGKILL');
      up.faults.clear();
    }
    assert.deepEqual(await cacheFiles(data), [], 'nothing partial in the cache');

    const second = await startProxyProcess({ ...FLAGS, upstream: up.url, data });
    try {
      assert.deepEqual(await scratchFiles(data), [], 'the partial download is gone');
      const res = await fetch(second.url + ZIP);
      assert.equal(res.status, 200, await res.clone().text());
      await res.arrayBuffer();
      // The zip is committed to the cache just after it is answered.
      const stored = 'cache/example.com/lib/@v/v1.1.0.zip';
      for (let i = 0; i < 400 && !(await cacheFiles(data)).includes(stored); i++) await sleep(50);
      assert.ok((await cacheFiles(data)).includes(stored), 'the zip is stored whole');
    } finally {
      await second.stop();
    }
  });
});

describe('interrupted atomic writes', () => {
  test('temp files that crashed processes left anywhere under --data are removed at start', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-leftovers-'));
    // Pid 9999999 is above any kernel's pid_max: no process runs with it.
    const left = [
      'own-sumdb/log/commit.json.tmp-9999999-1700000000000',
      'own-sumdb/signer.key.tmp-9999999-1a2b',
      'coord/ownlog%2Fhead.tmp-9999999',
      'cache/.STAGING/blob.tmp-9999999-1a2b',
    ];
    for (const f of left) {
      await mkdir(path.dirname(path.join(data, f)), { recursive: true });
      await writeFile(path.join(data, f), 'half written');
    }
    const proxy = await startProxy({ upstream: up.url, 'own-sumdb': 'on' }, { dataDir: data });
    try {
      assert.deepEqual(await atomicLeftovers(data), []);
      assert.equal((await proxy.get('/example.com/lib/@v/v1.1.0.mod')).status, 200);
      assert.deepEqual(await atomicLeftovers(data), []);
    } finally {
      await proxy.close();
    }
  });
});

describe('failures of a dependency that is not the upstream', () => {
  test('a validation hook that cannot be asked is logged as the hook failing, not the upstream', async () => {
    const data = await mkdtemp(path.join(tmpdir(), 'gmp-hook-down-'));
    // Port 9 (discard) has no listener on 127.0.0.1 here: the hook's connection is refused.
    const proxy = await startProxyProcess({ ...FLAGS, upstream: up.url, data, 'validation-hook': 'http://127.0.0.1:9/check' });
    try {
      const res = await fetch(`${proxy.url}/example.com/lib/@v/v1.1.0.mod`);
      assert.equal(res.status, 503, await res.text());
      // The answer's line (the request's URL with it) names the hook.
      await eventually(async () => proxy.logs.some((l) => l.includes('"GMP_ERR_POLICY_HOOK"') && l.includes('"url"')), 'the answer is logged');
      const line = proxy.logs.find((l) => l.includes('"GMP_ERR_POLICY_HOOK"') && l.includes('"url"')) as string;
      assert.equal((JSON.parse(line) as { msg: string }).msg, 'validation hook failure', line);
      assert.equal(proxy.logs.filter((l) => l.includes('upstream failure')).length, 0, proxy.logs.join('\n'));
    } finally {
      await proxy.stop();
      await rm(data, { recursive: true, force: true });
    }
  });
});
