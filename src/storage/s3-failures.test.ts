// The S3 backend when the store cannot serve: a missing bucket, refused credentials, none at all, no region,
// an endpoint that is down or never answers. Each is a clear 503 (GMP_ERR_STORAGE_UNAVAILABLE) or a config
// error at start, never an "absent" answer and never a 500.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { service } from '../../test/helpers/services.js';
import { Availability } from '../coord/availability.js';
import { isGmpError } from '../errors.js';
import type { ErrorCode } from '../errors.js';
import { GuardedStore } from './guarded-store.js';
import { S3Store, openS3Store } from './s3-store.js';

const settings = await service('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET']);
Object.assign(process.env, settings);
const bucket = settings.GMP_TEST_S3_BUCKET as string;
const secret = settings.AWS_SECRET_ACCESS_KEY as string;
// Fast failures: one attempt, short timeouts (the defaults retry and wait longer).
const options = { forcePathStyle: true, maxAttempts: 1, connectTimeoutMs: 1000, idleTimeoutMs: 1000 };
const KEY = 'f.example/m/@v/v1.0.0.mod';

/** Runs fn with some variables changed; the SDK reads them on a client's first request. */
async function withEnv<T>(vars: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  const apply = (v: Record<string, string | undefined>) => {
    for (const [k, x] of Object.entries(v)) x === undefined ? delete process.env[k] : (process.env[k] = x);
  };
  apply(vars);
  try {
    return await fn();
  } finally {
    apply(saved);
  }
}

const fails = (code: ErrorCode, words: RegExp) => (e: unknown) => {
  assert.ok(isGmpError(e, code), `expected ${code}, got ${String(e)}`);
  assert.match(e.message, words);
  assert.ok(!e.message.includes(secret), 'the message holds no secret');
  return true;
};
const unavailable = (words: RegExp) => fails('GMP_ERR_STORAGE_UNAVAILABLE', words);

/** Every operation of a store that cannot serve fails the same way (none says "absent"). */
/** A port nothing listens on (bound, then closed): connections to it are refused. */
async function closedPort(): Promise<number> {
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  return port;
}

async function everyOperationFails(store: S3Store, words: RegExp): Promise<void> {
  await assert.rejects(store.read(KEY), unavailable(words));
  await assert.rejects(store.get(KEY), unavailable(words));
  await assert.rejects(store.put(KEY, 'x'), unavailable(words));
  await assert.rejects(store.list(''), unavailable(words));
  await assert.rejects(store.ping(), unavailable(words));
}

describe('S3 store failures', () => {
  let hung: Server;
  const sockets: Socket[] = [];
  before(async () => {
    // Accepts connections and never answers, like a wedged load balancer.
    hung = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  });
  after(() => {
    for (const s of sockets) s.destroy();
    hung.close();
  });

  test('a bucket that does not exist is named at open and fails every operation', async () => {
    const url = `s3://${bucket}-absent-${Date.now().toString(36)}/p`;
    await assert.rejects(openS3Store(url, options), unavailable(/bucket does not exist/));
    const store = new S3Store(url, options);
    await assert.rejects(store.read(KEY), unavailable(/bucket does not exist/));
    await assert.rejects(store.list(''), unavailable(/bucket does not exist/));
    await store.close();
  });

  test('refused credentials say credentials or permissions, for every operation, stat included', async () => {
    await withEnv({ AWS_SECRET_ACCESS_KEY: 'wrong-secret' }, async () => {
      await assert.rejects(openS3Store(`s3://${bucket}/p`, options), unavailable(/credentials or permissions/));
      const store = new S3Store(`s3://${bucket}/p`, options);
      await everyOperationFails(store, /credentials or permissions/);
      await assert.rejects(store.stat(KEY), unavailable(/credentials or permissions/));
      await store.close();
    });
  });

  test('no credentials anywhere is said so', async () => {
    const none = { AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined, AWS_PROFILE: undefined, AWS_EC2_METADATA_DISABLED: 'true' };
    const noFiles = { AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_CONFIG_FILE: '/nonexistent/config' };
    await withEnv({ ...none, ...noFiles }, async () => {
      await assert.rejects(openS3Store(`s3://${bucket}/p`, options), unavailable(/no AWS credentials/));
    });
  });

  test('no region is a configuration error at open', async () => {
    await withEnv({ AWS_REGION: undefined, AWS_DEFAULT_REGION: undefined, AWS_CONFIG_FILE: '/nonexistent/config' }, async () => {
      await assert.rejects(openS3Store(`s3://${bucket}/p`, options), fails('GMP_ERR_CONFIG', /AWS_REGION/));
    });
  });

  test('an endpoint that is down fails at open and for every operation', async () => {
    const port = await closedPort();
    await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, async () => {
      await assert.rejects(openS3Store(`s3://${bucket}/p`, options), unavailable(/cannot be reached/));
      const store = new S3Store(`s3://${bucket}/p`, options);
      await everyOperationFails(store, /cannot be reached/);
      await store.close();
    });
  });

  test('an endpoint that never answers times out', async () => {
    const port = (hung.address() as AddressInfo).port;
    await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, async () => {
      const store = new S3Store(`s3://${bucket}/p`, options);
      await assert.rejects(store.read(KEY), unavailable(/did not answer in time/));
      await assert.rejects(store.ping(), unavailable(/did not answer in time/));
      await store.close();
    });
  });

  test('an endpoint that stops answering is reported down by the /readyz probe within its timeout, not after the client retries', async () => {
    const port = (hung.address() as AddressInfo).port;
    await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, async () => {
      // The store as serve opens it: the default 3 attempts of 20 s each would keep /readyz "ready" for a minute.
      const store = new S3Store(`s3://${bucket}/p`, { forcePathStyle: true });
      const storage = new Availability('storage', (signal) => store.ping(signal), { upProbeMs: 60_000, probeTimeoutMs: 300 });
      const started = Date.now();
      assert.equal(await storage.check(), false);
      assert.ok(Date.now() - started < 5000, `the probe gave up after ${Date.now() - started} ms`);
      assert.match(storage.reason ?? '', /no answer within 300 ms/);
      await store.close();
    });
  });

  test('once the store is known to be down, the guarded cache fails every call at once with 503, and a real call that fails counts', async () => {
    const port = (hung.address() as AddressInfo).port;
    await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, async () => {
      const store = new S3Store(`s3://${bucket}/p`, { forcePathStyle: true });
      const storage = new Availability('storage', (signal) => store.ping(signal), { upProbeMs: 60_000, probeTimeoutMs: 300 });
      const guarded = new GuardedStore(store);
      guarded.watch(storage);
      assert.equal(await storage.check(), false);
      // Without the guard each of these would wait out the client's attempts against a store that never answers.
      for (const call of [() => guarded.read(KEY), () => guarded.stat(KEY), () => guarded.put(KEY, 'x'), () => guarded.list('')])
        await assert.rejects(call(), unavailable(/is unreachable: no answer within 300 ms/));
      await store.close();
    });
    // A call that finds the store unreachable marks it down for the next ones.
    const refused = new Availability('storage', async () => undefined);
    const gone = await closedPort();
    await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${gone}` }, async () => {
      const store = new S3Store(`s3://${bucket}/p`, options);
      const guarded = new GuardedStore(store);
      guarded.watch(refused);
      await assert.rejects(guarded.read(KEY), unavailable(/cannot be reached/));
      assert.equal(refused.up, false);
      // Told once by the call and once by the guard, it is the same one sentence, naming the store once.
      const once = new RegExp(`^s3://${bucket}/p: the storage endpoint cannot be reached \\(ECONNREFUSED\\)$`);
      await assert.rejects(guarded.read(KEY), unavailable(once));
      await store.close();
    });
  });

  test('refused credentials found by the probe are what the guarded cache tells every call: one sentence, the store named once', async () => {
    await withEnv({ AWS_SECRET_ACCESS_KEY: 'wrong-secret' }, async () => {
      const store = new S3Store(`s3://${bucket}/p`, options);
      const storage = new Availability('storage', (signal) => store.ping(signal), { upProbeMs: 60_000 });
      const guarded = new GuardedStore(store);
      guarded.watch(storage);
      assert.equal(await storage.check(), false);
      const denied = new RegExp(`^s3://${bucket}/p: the storage refused our credentials or permissions \\([^)]*\\); check AWS_ACCESS_KEY_ID`);
      for (const call of [() => guarded.read(KEY), () => guarded.stat(KEY), () => guarded.put(KEY, 'x')]) {
        await assert.rejects(call(), unavailable(denied));
        await assert.rejects(call(), (e: Error) => e.message.split(`s3://${bucket}/p`).length === 2 && !e.message.includes('wrong-secret'));
      }
      await store.close();
    });
  });

  test('reads already waiting for a store that stopped answering fail with 503 once it is found down, not after the client gives up', {
    timeout: 30_000,
  }, async () => {
    const port = (hung.address() as AddressInfo).port;
    await withEnv({ AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` }, async () => {
      // The client as serve makes it: 3 attempts of 20 s each before a read would fail by itself.
      const store = new S3Store(`s3://${bucket}/p`, { forcePathStyle: true });
      const storage = new Availability('storage', (signal) => store.ping(signal), {
        upProbeMs: 60_000,
        probeTimeoutMs: 300,
        onChange: (up, reason) => up || guarded.unreachable(reason),
      });
      const guarded = new GuardedStore(store);
      guarded.watch(storage);
      const waiting = [guarded.read(KEY), guarded.stat(KEY), guarded.get(KEY), guarded.list('')];
      for (const w of waiting) w.catch(() => undefined);
      assert.equal(await storage.check(), false);
      for (const w of waiting) await assert.rejects(w, unavailable(/is unreachable: no answer within 300 ms/));
      assert.match(storage.reason ?? '', /^no answer within 300 ms$/, "the reason is the probe's, not the abandoned reads'");
      await store.close();
    });
  });

  test('a malformed storage URL is a configuration error naming the problem', () => {
    for (const [url, words] of [
      ['s3:/b', /expected s3:\/\/BUCKET/],
      ['s3://B_UPPER', /not a valid bucket name/],
      ['s3://bucket/a//b', /prefix/],
      ['s3://bucket/../x', /prefix/],
    ] as const)
      assert.throws(() => new S3Store(url), fails('GMP_ERR_CONFIG', words), url);
    assert.equal(new S3Store('s3://bucket/a/b/').prefix, 'a/b/');
    assert.equal(new S3Store('s3://bucket').name, 's3://bucket');
  });
});
