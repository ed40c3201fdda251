// GET /index under --auth private: public modules for everyone; a private module only for a token with read
// scope for it; a token without that scope sees what an anonymous reader sees; a wrong token is refused.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { request } from 'undici';
import { PUBLIC, SECRET, startPrivateParent } from './helpers/private-parent.js';
import type { PrivateParent } from './helpers/private-parent.js';

let root: string;
let parent: PrivateParent;
let reader: string;
let other: string;

async function index(token?: string): Promise<{ status: number; paths: string[]; challenge?: string }> {
  const res = await request(`${parent.proxy.url}/index`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const body = await res.body.text();
  const paths =
    res.statusCode === 200
      ? body
          .split('\n')
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { Path: string }).Path)
      : [];
  return { status: res.statusCode, paths, challenge: res.headers['www-authenticate'] as string | undefined };
}

before(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'gmp-index-auth-'));
  parent = await startPrivateParent(root);
  reader = parent.reader;
  other = await parent.token('other', 'read:corp.example.com/elsewhere');
});

after(async () => {
  await parent?.close();
  await rm(root, { recursive: true, force: true });
});

test('a private module is listed only for a token that may read it', async () => {
  assert.deepEqual((await index(reader)).paths.sort(), [PUBLIC, SECRET].sort());
  assert.deepEqual((await index()).paths, [PUBLIC], 'anonymous: public modules only');
  assert.deepEqual((await index(other)).paths, [PUBLIC], 'a token without read scope for it');
});

test('a wrong token is refused with 401 and a challenge, not served the public list', async () => {
  const r = await index(`${reader.slice(0, -2)}xx`);
  assert.equal(r.status, 401);
  assert.ok(r.challenge !== undefined, 'WWW-Authenticate');
});
