// Integration: an upstream that lies or attacks. Each hostile answer reaches the client as the right status
// with a message that says what was wrong, and nothing of it is kept: no cache entry, no scratch file.
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { buildZip, renameInZip, setDeclaredSize } from '../src/modzip/zip-test-helpers.js';
import { cacheFiles, scratchFiles } from './helpers/data-dir.js';
import { startFakeUpstream } from './helpers/fake-upstream.js';
import type { Fault, FakeUpstream } from './helpers/fake-upstream.js';
import { sampleModules, writeGoproxyDir } from './helpers/goproxy-dir.js';
import { startProxy } from './helpers/proxy.js';

const V = '/example.com/lib/@v/v1.1.0';
const PREFIX = 'example.com/lib@v1.1.0/';
let root: string;

before(async () => {
  root = await writeGoproxyDir(await mkdtemp(path.join(tmpdir(), 'gmp-hostile-')), sampleModules());
});

/** A fresh upstream for each test: its request counts (and `first` faults) start at zero. */
async function withUpstream(fn: (up: FakeUpstream) => Promise<void>): Promise<void> {
  const up = await startFakeUpstream(root);
  try {
    await fn(up);
  } finally {
    await up.close();
  }
}

/** A module zip of the files under `prefix`, with go.mod. */
function zipOf(files: Record<string, string | Buffer>, prefix = PREFIX): Promise<Buffer> {
  return buildZip([
    { name: `${prefix}go.mod`, content: 'module example.com/lib\n' },
    ...Object.entries(files).map(([n, c]) => ({ name: prefix + n, content: c })),
  ]);
}

/**
 * Serves `fault` at `p` and checks the answer: status, a message matching `pattern`, no-store, nothing kept.
 * Returns how often the upstream was asked.
 */
async function refused(p: string, fault: Fault, status: number, pattern: RegExp, flags: Record<string, string> = {}): Promise<number> {
  const up = await startFakeUpstream(root);
  up.faults.set(p, fault);
  const proxy = await startProxy({ upstream: up.url, retries: '1', 'retry-backoff': '10ms', ...flags });
  try {
    const res = await proxy.get(p);
    const text = await res.text();
    assert.equal(res.status, status, text);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    assert.match(text, pattern);
    assert.match(text, /\n$/, 'one plain-text line');
    assert.deepEqual(await cacheFiles(proxy.dataDir), [], 'nothing cached');
    assert.deepEqual(await scratchFiles(proxy.dataDir), [], 'no partial download left');
    return up.count(p);
  } finally {
    await proxy.close();
    await up.close();
  }
}

describe('bodies that lie about their size', () => {
  test('a Content-Length larger than the body sent is a body that ended early (502), retried and never stored', async () => {
    const asked = await refused(`${V}.zip`, { kind: 'length', length: 100_000 }, 502, /body ended early/);
    assert.equal(asked, 2, 'retried once like a network error');
  });

  test('a .mod whose Content-Length is larger than its body is refused the same way', async () => {
    await refused(`${V}.mod`, { kind: 'length', length: 5000 }, 502, /body ended early/);
  });

  test('a zip that announces more than 500 MiB is refused before a byte is read', async () => {
    await refused(`${V}.zip`, { kind: 'length', length: 600 << 20 }, 502, /larger than 500 MiB/);
  });

  test('a huge .info is cut off at its limit', async () => {
    await refused(`${V}.info`, { kind: 'body', body: `{"Version":"v1.1.0","X":"${'x'.repeat(2 << 20)}"}` }, 502, /larger than 1048576 bytes/);
  });
});

describe('hostile zips', () => {
  test('a zip bomb that declares 600 MiB of content is refused', async () => {
    const zip = setDeclaredSize(await zipOf({ 'big.go': 'package lib\n' }), `${PREFIX}big.go`, 600 << 20);
    await refused(`${V}.zip`, { kind: 'body', body: zip }, 502, /invalid zip|too large|size/);
  });

  test('a zip bomb whose entry inflates far past its declared size is refused', async () => {
    const zip = setDeclaredSize(await zipOf({ 'zeros.go': Buffer.alloc(32 << 20) }), `${PREFIX}zeros.go`, 10);
    await refused(`${V}.zip`, { kind: 'body', body: zip }, 502, /invalid zip|size/);
  });

  test('a file name that climbs out of the module directory is refused', async () => {
    const zip = renameInZip(await zipOf({ 'aa/bb/cc.go': 'package lib\n' }), 'aa/bb/cc.go', '../../cc.go');
    await refused(`${V}.zip`, { kind: 'body', body: zip }, 502, /invalid zip/);
  });

  test('two names that differ only in case are refused', async () => {
    const zip = await zipOf({ 'greet.go': 'package lib\n', 'Greet.go': 'package lib\n' });
    await refused(`${V}.zip`, { kind: 'body', body: zip }, 502, /case-insensitive file name collision|collision/);
  });

  test('the zip of another version is refused', async () => {
    const zip = await zipOf({ 'greet.go': 'package lib\n' }, 'example.com/lib@v1.0.0/');
    await refused(`${V}.zip`, { kind: 'body', body: zip }, 502, /invalid zip/);
  });
});

/** The body the proxy answers for `fault` at `p` (the upstream's URL written as {up}), after checking its status. */
async function refusedText(p: string, fault: Fault, status: number): Promise<string> {
  const up = await startFakeUpstream(root);
  up.faults.set(p, fault);
  const proxy = await startProxy({ upstream: up.url, retries: '0' });
  try {
    const res = await proxy.get(p);
    const text = await res.text();
    assert.equal(res.status, status, text);
    return text.replaceAll(up.url, '{up}');
  } finally {
    await proxy.close();
    await up.close();
  }
}

describe('hostile answers', () => {
  test('a redirect loop ends with 502 naming it', async () => {
    await refused(`${V}.mod`, { kind: 'redirect', location: `${V}.mod` }, 502, /too many redirects/);
  });

  test('an .info for another version is refused', async () => {
    await refused(`${V}.info`, { kind: 'body', body: '{"Version":"v1.0.0","Time":"2024-01-02T03:04:05Z"}' }, 502, /instead/);
  });

  test('a stalled body past the idle timeout is a 504', async () => {
    await refused(`${V}.zip`, { kind: 'trickle', bytes: 1, everyMs: 5000 }, 504, /stalled|timed out/, { 'idle-timeout': '300ms', retries: '0' });
  });

  test("an upstream's HTML error page is not passed on; its plain-text reason is, as the go command reads them", async () => {
    const html = '<!DOCTYPE HTML>\n<html lang="en"><body><h1>Error response</h1></body></html>\n';
    const text = await refusedText(`${V}.mod`, { kind: 'status', status: 404, body: html, contentType: 'text/html;charset=utf-8' }, 404);
    assert.equal(text, 'not found\n');
    assert.equal(
      await refusedText(`${V}.mod`, { kind: 'status', status: 500, body: html, contentType: 'text/html' }, 502),
      `upstream ${'{up}'} answered 500\n`,
    );
    assert.equal(
      await refusedText(`${V}.mod`, { kind: 'status', status: 404, body: 'no such module here\n', contentType: 'text/plain' }, 404),
      'no such module here\n',
    );
    // Another charset is not read as text either (the go command shows only UTF-8 and ASCII).
    assert.equal(
      await refusedText(`${V}.mod`, { kind: 'status', status: 410, body: 'gone\n', contentType: 'text/plain; charset=iso-8859-1' }, 410),
      'not found\n',
    );
  });

  test('a garbage list reaches clients as only the versions that are valid for the module', () =>
    withUpstream(async (up) => {
      up.faults.set('/example.com/lib/@v/list', { kind: 'body', body: '<html>\nv1.0.0\nnot-a-version\nv2.0.0\nv1.1.0 extra words\n../v1\n' });
      const proxy = await startProxy({ upstream: up.url });
      try {
        const res = await proxy.get('/example.com/lib/@v/list');
        assert.equal(res.status, 200);
        assert.equal(await res.text(), 'v1.0.0\nv1.1.0\n');
      } finally {
        await proxy.close();
      }
    }));

  test('answers gzipped with Content-Encoding though not asked to be are decoded, as the go command decodes them', () =>
    withUpstream(async (up) => {
      up.fault = { kind: 'encoded', coding: 'gzip' };
      const proxy = await startProxy({ upstream: up.url });
      try {
        const list = await proxy.get('/example.com/lib/@v/list');
        assert.equal(await list.text(), 'v1.0.0\nv1.1.0\nv1.2.0-rc.1\n');
        for (const ext of ['info', 'mod', 'zip']) {
          const res = await proxy.get(`${V}.${ext}`);
          const body = Buffer.from(await res.arrayBuffer());
          assert.equal(res.status, 200, body.toString());
          assert.deepEqual(body, await readFile(path.join(root, `${V}.${ext}`)), `${ext}: the decoded bytes`);
        }
      } finally {
        await proxy.close();
      }
    }));

  test('a body that is not the gzip its Content-Encoding says, or in another coding, is refused and not stored', async () => {
    await refused(`${V}.mod`, { kind: 'encoded', coding: 'gzip', plain: true }, 502, /not the gzip stream its Content-Encoding says/);
    await refused(`${V}.zip`, { kind: 'encoded', coding: 'gzip', plain: true }, 502, /not the gzip stream its Content-Encoding says/);
    await refused(`${V}.mod`, { kind: 'encoded', coding: 'br' }, 502, /Content-Encoding "br"/);
  });

  test('a 503 followed by the right answer is served, and only the right answer is stored', () =>
    withUpstream(async (up) => {
      up.faults.set(`${V}.zip`, { kind: 'first', count: 1, fault: { kind: 'status', status: 503, body: 'busy\n' } });
      const proxy = await startProxy({ upstream: up.url, retries: '1', 'retry-backoff': '10ms' });
      try {
        const res = await proxy.get(`${V}.zip`);
        assert.equal(res.status, 200, await res.clone().text());
        assert.equal(
          Buffer.from(await res.arrayBuffer())
            .subarray(0, 2)
            .toString(),
          'PK',
        );
        assert.equal(up.count(`${V}.zip`), 2);
        // Stored just after it is answered: the upstream's own zip, byte for byte.
        const stored = path.join(proxy.dataDir, 'cache', `${V}.zip`);
        for (let i = 0; i < 400 && !(await cacheFiles(proxy.dataDir)).includes(path.relative(proxy.dataDir, stored)); i++) await sleep(50);
        assert.deepEqual(await readFile(stored), await readFile(path.join(root, `${V}.zip`)));
      } finally {
        await proxy.close();
      }
    }));
});
