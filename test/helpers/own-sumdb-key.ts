// The verifier key of gomodproxy's own checksum database for a data directory, read the way a user
// reads it (`gomodproxy sumdb key`), for tests that point GOSUMDB at the proxy itself.
import assert from 'node:assert/strict';
import { main } from '../../src/cli/main.js';
import { captureIO } from './cli-io.js';

export async function ownSumdbKey(dataDir: string): Promise<string> {
  const c = captureIO();
  const code = await main(['sumdb', 'key', '--data', dataDir], c.io);
  assert.equal(code, 0, c.text.stderr);
  return c.text.stdout.split('\n')[0] as string;
}
