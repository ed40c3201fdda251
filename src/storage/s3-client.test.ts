import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const here = new URL('./s3-client.ts', import.meta.url).pathname;

/** Makes one client in a fresh process (the SDK's notice is printed once per process) and returns its stderr. */
async function stderrOfNewClient(env: Record<string, string | undefined>): Promise<string> {
  const script = `const { makeS3Client } = await import(${JSON.stringify(here)}); makeS3Client(); await new Promise((r) => setTimeout(r, 50));`;
  const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    env: { ...process.env, AWS_REGION: 'us-east-1', ...env },
  });
  return stderr;
}

const notices = Number(process.versions.node.split('.')[0]) < 22;

test('making an S3 client prints no SDK notice about Node.js versions', { skip: !notices && 'the SDK prints it only below Node.js 22' }, async () => {
  const stderr = await stderrOfNewClient({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: undefined });
  assert.doesNotMatch(stderr, /NodeVersionSupportWarning/);
});

test("the SDK's own switch stays the operator's", { skip: !notices && 'the SDK prints it only below Node.js 22' }, async () => {
  const stderr = await stderrOfNewClient({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' });
  assert.match(stderr, /NodeVersionSupportWarning/);
});
