// The peer proxies of ../shared/peers (goproxy, Athens), started through its start.sh on 127.0.0.1 in front
// of the benchmark's upstream; they detach from us, so they are stopped by the PID start.sh prints.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { alive } from '../src/coord/process-alive.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from './servers.js';
import { sleep, waitReady } from './util.js';

export type PeerName = 'goproxy' | 'athens';

/** `BENCH_PEERS` overrides; by default the shared directory next to this checkout (`../shared/peers`). */
export const PEERS_DIR = process.env.BENCH_PEERS ?? fileURLToPath(new URL('../../shared/peers/', import.meta.url));

export function peersAvailable(): boolean {
  return existsSync(path.join(PEERS_DIR, 'start.sh'));
}

/** `v0.26.1` for goproxy, read from the peers README's table (the binaries print no version). */
export function peerVersion(peer: PeerName): string {
  const readme = existsSync(path.join(PEERS_DIR, 'README.md')) ? readFileSync(path.join(PEERS_DIR, 'README.md'), 'utf8') : '';
  const bin = peer === 'goproxy' ? 'bin/goproxy' : 'bin/athens-proxy';
  const row = readme.split('\n').find((l) => l.startsWith(`| \`${bin}\``));
  return /\| (v\d+\.\d+\.\d+)\b/.exec(row ?? '')?.[1] ?? 'version unknown';
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 15_000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(pid, s);
    } catch {
      // already gone
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (alive(pid)) {
    if (Date.now() > deadline) {
      signal('SIGKILL');
      if (Date.now() > deadline + 5000) throw new Error(`pid ${pid} did not exit after SIGKILL`);
    }
    await sleep(50);
  }
}

/** Starts a peer with an empty DATA_DIR (or the one it filled before) in front of `upstream`. */
export async function startPeer(peer: PeerName, port: number, upstream: string, data: string): Promise<Server> {
  const script = path.join(PEERS_DIR, 'start.sh');
  const out = await new Promise<string>((resolve, reject) => {
    execFile(script, [peer, String(port), upstream, data], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err !== null) reject(new Error(`${script} ${peer} ${port}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
  const pid = Number(out.trim().split('\n').at(-1));
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`${script} printed no PID: ${out}`);
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/`, { anyStatus: true });
  } catch (err) {
    await stopPid(pid);
    throw err;
  }
  return { url, pid, stop: () => stopPid(pid) };
}
