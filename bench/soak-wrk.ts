// The soak suite's load: wrk keeps N connections busy with hits on a warm set and, every FILL_EVERY-th
// request per thread, a fill of a module nobody asked for before; its Lua hooks count answers by status.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { execWrk } from './wrk.js';

export interface SoakLoad {
  readonly requests: number;
  readonly durationUs: number;
  readonly bytes: number;
  /** Socket errors by kind, as wrk counts them. */
  readonly connect: number;
  readonly read: number;
  readonly write: number;
  readonly timeout: number;
  /** Answers by HTTP status. */
  readonly statuses: Record<string, number>;
  /** Fill requests sent (`.info`, `.mod`, `.zip` of new modules, in that order). */
  readonly fills: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
}

const script = (hot: readonly string[], fillEvery: number) => `-- written by bench/soak-wrk.ts
local hot = { ${hot.map((p) => `"${p}"`).join(', ')} }
local exts = { "info", "mod", "zip" }
local threads = {}
-- Globals, not locals: done() reads them from each thread with thread:get().
count, fills, statuses = 0, 0, {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function request()
  count = count + 1
  if count % ${fillEvery} == 0 then
    local k = fills
    fills = fills + 1
    return wrk.format("GET", string.format("/soak.example/cold/t%dn%d/@v/v1.0.0.%s", tid, math.floor(k / 3), exts[k % 3 + 1]))
  end
  return wrk.format("GET", hot[math.random(#hot)])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local agg, nfills = {}, 0
  for _, t in ipairs(threads) do
    for code, n in pairs(t:get("statuses")) do agg[code] = (agg[code] or 0) + n end
    nfills = nfills + t:get("fills")
  end
  local parts = {}
  for code, n in pairs(agg) do table.insert(parts, string.format('"%d":%d', code, n)) end
  local e = summary.errors
  io.write(string.format('SOAKJSON {"requests":%d,"durationUs":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"statuses":{%s},"fills":%d,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, table.concat(parts, ","), nfills,
    latency:percentile(50), latency:percentile(99), latency.max))
end
`;

/** Runs wrk with `connections` connections for `seconds` against `url` (2 threads). */
export async function runSoakLoad(
  dir: string,
  url: string,
  hot: readonly string[],
  fillEvery: number,
  connections: number,
  seconds: number,
): Promise<SoakLoad> {
  const file = path.join(dir, 'soak.lua');
  await writeFile(file, script(hot, fillEvery));
  const args = ['-t', '2', '-c', String(connections), '-d', `${seconds}s`, '--timeout', '30s', '-s', file, url];
  return execWrk<SoakLoad>(args, seconds, 'SOAKJSON');
}
