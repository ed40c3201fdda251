// Drives wrk (in its own process) and reads its summary through a Lua done() hook that prints JSON,
// rather than scraping the human-readable output.
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';

export const WRK_BIN = process.env.WRK ?? '/usr/bin/wrk';

const SCRIPT = `-- written by bench/wrk.ts: print the summary as one JSON line
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRKJSON {"requests":%d,"durationUs":%d,"bytes":%d,"errors":%d,"non2xx":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

export interface WrkResult {
  readonly requests: number;
  readonly durationUs: number;
  readonly bytes: number;
  /** Socket errors and timeouts. */
  readonly errors: number;
  /** Answers with a status of 400 or more. */
  readonly non2xx: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

export const reqPerSec = (r: WrkResult) => r.requests / (r.durationUs / 1e6);
export const mbPerSec = (r: WrkResult) => r.bytes / (r.durationUs / 1e6) / 1e6;

export async function writeWrkScript(dir: string): Promise<string> {
  const file = path.join(dir, 'summary.lua');
  await writeFile(file, SCRIPT);
  return file;
}

export function runWrk(url: string, connections: number, seconds: number, script: string): Promise<WrkResult> {
  const threads = Math.min(connections, 2);
  return execWrk<WrkResult>(['-t', String(threads), '-c', String(connections), '-d', `${seconds}s`, '--timeout', '60s', '-s', script, url], seconds, 'WRKJSON');
}

/** Runs wrk and parses the JSON its script's done() printed after `marker`. */
export function execWrk<T>(args: readonly string[], seconds: number, marker: string): Promise<T> {
  return new Promise((resolve, reject) => {
    execFile(WRK_BIN, args, { maxBuffer: 1 << 20, timeout: (seconds + 120) * 1000 }, (err, stdout, stderr) => {
      if (err !== null) return reject(new Error(`wrk ${args.join(' ')}: ${err.message}\n${stderr}`));
      const line = stdout.split('\n').find((l) => l.startsWith(`${marker} `));
      if (line === undefined) return reject(new Error(`wrk printed no summary:\n${stdout}\n${stderr}`));
      resolve(JSON.parse(line.slice(marker.length + 1)) as T);
    });
  });
}
