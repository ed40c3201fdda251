// For crash tests that fill a `serve` again and again: 30 modules of 5 versions each behind a fake upstream, and a
// parent's index feed listing every version oldest first (`since` inclusive, `limit` honoured), as a follower reads it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { formatTimestamp, parseTimestamp } from '../../src/feed/timestamp.js';
import { startFakeUpstream } from './fake-upstream.js';
import type { FakeUpstream } from './fake-upstream.js';
import { writeGoproxyDir } from './goproxy-dir.js';

const VERSIONS = ['v1.0.0', 'v1.0.1', 'v1.1.0', 'v1.2.0', 'v2.0.0+incompatible'];

export interface CrashFixture {
  /** `<module>@<version>` of every version, in the feed's order. */
  readonly all: readonly string[];
  readonly up: FakeUpstream;
  /** The feed's base URL (`<feedUrl>/index`). */
  readonly feedUrl: string;
  close(): Promise<void>;
}

/** The fixture's modules are `example.com/<name>/m0` … `m29`, written below `root`. */
export async function startCrashFixture(root: string, name: string): Promise<CrashFixture> {
  const modules = Array.from({ length: 30 }, (_, i) => `example.com/${name}/m${i}`);
  const all = modules.flatMap((m) => VERSIONS.map((v) => `${m}@${v}`));
  const mods = modules.map((m) => ({ path: m, versions: VERSIONS.map((version) => ({ version, files: { 'a.go': `package a\n\n// ${version}\n` } })) }));
  const up = await startFakeUpstream(await writeGoproxyDir(path.join(root, 'up'), mods));
  const base = 1_700_000_000_000_000_000n;
  const lines = all.map((k, i) => {
    const at = k.lastIndexOf('@');
    const ts = base + BigInt(i) * 1000n;
    return { ts, line: `${JSON.stringify({ Path: k.slice(0, at), Version: k.slice(at + 1), Timestamp: formatTimestamp(ts) })}\n` };
  });
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== '/index') return void res.writeHead(404).end();
    const since = parseTimestamp(url.searchParams.get('since') ?? '1970-01-01T00:00:00Z') ?? 0n;
    const limit = Number(url.searchParams.get('limit') ?? 2000);
    res.end(
      lines
        .filter((l) => l.ts >= since)
        .slice(0, limit)
        .map((l) => l.line)
        .join(''),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const feedUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    all,
    up,
    feedUrl,
    close: async () => {
      await new Promise<void>((r) => server.close(() => r()));
      await up.close();
    },
  };
}
