// Small helpers shared by the benchmark suites: free ports, waiting for a server, medians, process
// peak memory reset through clear_refs (proc.ts reads it), number formats for reports.
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** How long a server may take to answer after starting: minutes on a machine other sessions load heavily. */
export const STARTUP_MS = 120_000;

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** False once the server process has exited: stop waiting at once. */
  readonly alive?: () => boolean;
  /** Any HTTP answer counts (a 404 proves the server listens). */
  readonly anyStatus?: boolean;
}

/** Polls `url` until it answers 2xx (or anything, with anyStatus); throws after the timeout. */
export async function waitReady(url: string, opts: WaitOptions = {}): Promise<void> {
  const { timeoutMs = STARTUP_MS, alive = () => true } = opts;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!alive()) throw new Error(`server for ${url} exited before it was ready`);
    try {
      const res = await fetch(url);
      await res.arrayBuffer();
      if (res.ok || opts.anyStatus === true) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export function median(xs: readonly number[]): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0), so a peak can be measured per scenario. */
export async function resetPeak(pid: number): Promise<boolean> {
  return writeFile(`/proc/${pid}/clear_refs`, '5').then(
    () => true,
    () => false,
  );
}

export const MB = 1024 * 1024;
export const fmtMB = (bytes: number) => `${(bytes / MB).toFixed(1)} MiB`;
export const int = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : '–');
export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
export const ratio = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)}×` : '–');
export const secs = (n: number | undefined) => (n !== undefined && Number.isFinite(n) ? `${n.toFixed(2)} s` : '–');
