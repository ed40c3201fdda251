// A parent for tests of the private half of the index feed: a gomodproxy process (one worker) behind
// `--auth private` with one public and one private module (`--private corp.example.com`) stored and published,
// and a token that may read the private one. Followers and feed readers are pointed at it.
import assert from 'node:assert/strict';
import path from 'node:path';
import { request } from 'undici';
import { eventually } from './eventually.js';
import { startFakeUpstream } from './fake-upstream.js';
import type { FakeUpstream } from './fake-upstream.js';
import { writeGoproxyDir } from './goproxy-dir.js';
import { runCli as cli } from './in-process-cli.js';
import { startProxyProcess } from './proxy-process.js';
import type { ProxyProcess } from './proxy-process.js';

export const PUBLIC = 'example.com/open';
export const SECRET = 'corp.example.com/secret';

export interface PrivateParent {
  readonly proxy: ProxyProcess;
  /** The parent's data directory (its token store). */
  readonly data: string;
  /** A token with read scope for SECRET: the feed lists SECRET to it, marked private. */
  readonly reader: string;
  /** Creates another token in the parent's store. */
  token(name: string, scope: string): Promise<string>;
  close(): Promise<void>;
}

/** The module paths of the parent's feed, as an anonymous reader or a token sees it. */
export async function feedPaths(url: string, token?: string): Promise<string[]> {
  const res = await request(`${url}/index`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  const body = await res.body.text();
  assert.equal(res.statusCode, 200, body);
  return body
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { Path: string }).Path);
}

/** Starts the parent in `root`/parent (its upstream's files in `root`/up) and waits until its feed lists both versions. */
export async function startPrivateParent(root: string): Promise<PrivateParent> {
  const mods = [PUBLIC, SECRET].map((m) => ({ path: m, versions: [{ version: 'v1.0.0', files: { 'a.go': 'package a\n' } }] }));
  const up: FakeUpstream = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), mods));
  const data = path.join(root, 'parent');
  let proxy: ProxyProcess | undefined;
  const close = async () => {
    await proxy?.stop();
    await up.close();
  };
  try {
    proxy = await startProxyProcess({
      workers: '1',
      upstream: up.url,
      private: 'corp.example.com',
      'private-upstream': up.url,
      auth: 'private',
      sumdb: 'off',
      'own-sumdb': 'off',
      'index-settle': '10ms',
      data,
    });
    const token = async (name: string, scope: string) => {
      const r = await cli(['token', 'create', '--name', name, '--scope', scope, '--data', data]);
      assert.equal(r.code, 0, r.stderr);
      return r.stdout.trim();
    };
    const url = proxy.url;
    const reader = await token('reader', `read:${SECRET}`);
    // Both versions stored (the private one fetched with the reader's token), so both are in the feed.
    for (const [m, t] of [
      [PUBLIC, undefined],
      [SECRET, reader],
    ] as const) {
      const res = await request(`${url}/${m}/@v/v1.0.0.zip`, { headers: t === undefined ? {} : { authorization: `Bearer ${t}` } });
      assert.equal(res.statusCode, 200, await res.body.text());
    }
    await eventually(async () => (await feedPaths(url, reader)).length === 2, 'both versions are published');
    return { proxy, data, reader, token, close };
  } catch (err) {
    await close();
    throw err;
  }
}
