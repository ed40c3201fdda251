// Opening the S3 storage at start against a store that accepts connections and never answers (a wedged load
// balancer, a frozen gateway): the start must not wait out the client's timeouts and retries, which kept a
// replica from listening for a minute and a half; it goes on unready, as with a store that refuses connections.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { test } from 'node:test';
import { service } from '../../test/helpers/services.js';
import { openS3 } from './s3-open.js';

const settings = await service('s3', ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'AWS_ENDPOINT_URL_S3', 'GMP_TEST_S3_BUCKET']);
Object.assign(process.env, settings);
const bucket = settings.GMP_TEST_S3_BUCKET as string;

test('a store that never answers at start is an outage after the start probe, not after the S3 client gives up', { timeout: 30_000 }, async () => {
  const sockets: Socket[] = [];
  const hung = createServer((s) => sockets.push(s));
  await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
  const saved = process.env.AWS_ENDPOINT_URL_S3;
  process.env.AWS_ENDPOINT_URL_S3 = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
  try {
    const { store, unreachable } = await openS3(`s3://${bucket}/start-probe`, true, 300);
    assert.match(unreachable ?? '', /start-probe: no answer within 300 ms/);
    await store.close();
  } finally {
    process.env.AWS_ENDPOINT_URL_S3 = saved;
    for (const s of sockets) s.destroy();
    hung.close();
  }
});

test('a store that answers at start is opened as before', async () => {
  const { store, unreachable } = await openS3(`s3://${bucket}/start-probe`, true, 10_000);
  assert.equal(unreachable, undefined);
  await store.close();
});
