// Runs the workload against one endpoint: list, .info, .mod and .zip of every module version, with a
// fixed number of workers, recording timings and failures, and hashing what came back (§6).
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { devNull } from 'node:os';
import path from 'node:path';
import { hashGoMod } from '../modzip/dirhash.js';
import { checkAndHashZip } from '../modzip/zip-check.js';
import { escapePath, escapeVersion } from '../protocol/escape.js';
import { isValid } from '../protocol/semver.js';
import { classify, FetchFailure, openEndpoint } from './client.js';
import type { Endpoint, FailureKind } from './client.js';
import type { ModuleVersion } from '../protocol/module-lists.js';

export type RequestKind = 'list' | 'info' | 'mod' | 'zip';
const KINDS: readonly RequestKind[] = ['list', 'info', 'mod', 'zip'];

export interface Sample {
  readonly kind: RequestKind;
  readonly module: string;
  readonly version: string;
  readonly ok: boolean;
  readonly failure?: FailureKind;
  readonly detail?: string;
  readonly ttfbMs: number;
  readonly totalMs: number;
  readonly bytes: number;
}

export interface EndpointResult {
  readonly url: string;
  readonly samples: Sample[];
  readonly connectMs: number[];
  /** Versions each module's @v/list named. */
  readonly lists: Map<string, string[]>;
  /** h1 of the zip and of the .mod per `path@version`. */
  readonly hashes: Map<string, { zip?: string; mod?: string }>;
  /** Zips downloaded on the first pass, checked and hashed by verifyZips once every endpoint is done. */
  readonly pendingZips: Array<{ readonly file: string; readonly sample: number; readonly m: ModuleVersion }>;
}

export interface RunOptions {
  readonly concurrency: number;
  /** Requests to make; beyond one pass the workload repeats (without hashing again). */
  readonly maxRequests: number;
  readonly timeoutMs: number;
  /** Stops the run: Ctrl-C or the duration cap. Requests cut short are not counted. */
  readonly signal?: AbortSignal;
  readonly tmpDir: string;
  readonly onSample?: (s: Sample) => void;
  /** The command's environment, for HTTPS_PROXY and friends. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function benchEndpoint(url: string, workload: readonly ModuleVersion[], opts: RunOptions): Promise<EndpointResult> {
  const ep = openEndpoint(url, opts.concurrency, opts.env);
  const result: EndpointResult = { url, samples: [], connectMs: ep.connectMs, lists: new Map(), hashes: new Map(), pendingZips: [] };
  const tasks = workload.flatMap((m) => KINDS.map((kind) => ({ kind, m })));
  let next = 0;
  const worker = async () => {
    while (!opts.signal?.aborted && tasks.length > 0 && next < opts.maxRequests) {
      const i = next++;
      const task = tasks[i % tasks.length];
      if (task === undefined) break;
      const firstPass = i < tasks.length;
      const file = task.kind === 'zip' && firstPass ? path.join(opts.tmpDir, `${randomUUID()}.zip`) : undefined;
      const sample = await runTask(ep, task.kind, task.m, file, firstPass ? result : undefined, opts);
      if (sample === undefined) continue;
      const n = result.samples.push(sample);
      if (file !== undefined && sample.ok) result.pendingZips.push({ file, sample: n - 1, m: task.m });
      opts.onSample?.(sample);
    }
  };
  try {
    await Promise.all(Array.from({ length: opts.concurrency }, worker));
    await retryForHashes(ep, workload, result, opts);
  } finally {
    await ep.close();
  }
  return result;
}

/** Extra attempts per go.mod or zip whose fetch failed, for the hash comparison only. */
const HASH_RETRIES = 2;
/** Retries that fail one after another before an endpoint is taken for down and retrying stops. */
const RETRY_GIVE_UP = 3;

/**
 * Fetches again each go.mod and zip whose request failed (not a 404, which is an answer, nor a body the
 * go command would refuse), so that a mirror failing now and then does not drop out of the hash
 * comparison and leave the others to disagree 1-vs-1. Retries are not samples: the endpoint's figures
 * (failures, latency) stay those of the run.
 */
async function retryForHashes(ep: Endpoint, workload: readonly ModuleVersion[], r: EndpointResult, opts: RunOptions): Promise<void> {
  const failed = new Set(r.samples.filter((s) => !s.ok && s.failure !== '404' && s.failure !== 'bad-body').map((s) => `${s.kind} ${s.module}@${s.version}`));
  const todo = workload.flatMap((m) =>
    (['mod', 'zip'] as const).filter((k) => failed.has(`${k} ${m.path}@${m.version}`) && !hasHash(r, m, k)).map((kind) => ({ m, kind })),
  );
  // An endpoint that is simply down would otherwise cost two timeouts per file.
  let failedInARow = 0;
  const worker = async () => {
    for (let task = todo.shift(); task !== undefined; task = todo.shift()) {
      const { m, kind } = task;
      for (let attempt = 0; attempt < HASH_RETRIES; attempt++) {
        if (opts.signal?.aborted || failedInARow >= RETRY_GIVE_UP) return;
        const file = kind === 'zip' ? path.join(opts.tmpDir, `${randomUUID()}.zip`) : undefined;
        const sample = await runTask(ep, kind, m, file, r, opts);
        if (sample?.ok === true) {
          failedInARow = 0;
          // sample -1: a zip refused later leaves the run's samples as they were.
          if (file !== undefined) r.pendingZips.push({ file, sample: -1, m });
          break;
        }
        failedInARow++;
        if (file !== undefined) await rm(file, { force: true });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(opts.concurrency, todo.length) }, worker));
}

function hasHash(r: EndpointResult, m: ModuleVersion, kind: 'mod' | 'zip'): boolean {
  if (kind === 'mod') return r.hashes.get(`${m.path}@${m.version}`)?.mod !== undefined;
  return r.pendingZips.some((z) => z.m.path === m.path && z.m.version === m.version);
}

/** One request; `r` is given on the first pass, to record lists and .mod hashes; a zip goes to `file` if given. */
async function runTask(
  ep: Endpoint,
  kind: RequestKind,
  m: ModuleVersion,
  file: string | undefined,
  r: EndpointResult | undefined,
  opts: RunOptions,
): Promise<Sample | undefined> {
  const base = `${escapePath(m.path)}/@v/`;
  const rel = kind === 'list' ? `${base}list` : `${base}${escapeVersion(m.version)}.${kind}`;
  const common = { kind, module: m.path, version: m.version };
  try {
    // Zips of later passes go to the null device: those passes only measure.
    const got = await ep.get(rel, { timeoutMs: opts.timeoutMs, signal: opts.signal, file: kind === 'zip' ? (file ?? devNull) : undefined });
    const sample = { ...common, ok: true, ttfbMs: got.ttfbMs, totalMs: got.totalMs, bytes: got.bytes };
    const problem = checkBody(kind, m, got.body, r);
    return problem === undefined ? sample : { ...sample, ok: false, failure: 'bad-body', detail: problem };
  } catch (err) {
    if (opts.signal?.aborted) return undefined;
    const f = err instanceof FetchFailure ? err : classify(err, opts.timeoutMs, 0);
    return { ...common, ok: false, failure: f.kind, detail: f.message, ttfbMs: f.totalMs, totalMs: f.totalMs, bytes: 0 };
  }
}

/**
 * Checks and hashes the kept zips (§5.4, §6). This runs after all endpoints finished, so CPU spent hashing
 * never delays another endpoint's timings; a zip the go command would refuse turns its sample into bad-body.
 */
export async function verifyZips(r: EndpointResult): Promise<void> {
  for (const z of r.pendingZips) {
    try {
      const h1 = (await checkAndHashZip(z.file, z.m.path, z.m.version)).h1;
      const key = `${z.m.path}@${z.m.version}`;
      r.hashes.set(key, { ...r.hashes.get(key), zip: h1 });
    } catch (err) {
      const s = r.samples[z.sample];
      if (s !== undefined) r.samples[z.sample] = { ...s, ok: false, failure: 'bad-body', detail: `zip refused: ${(err as Error).message}` };
    } finally {
      await rm(z.file, { force: true });
    }
  }
  r.pendingZips.length = 0;
}

/** Why a 200 answer is unusable, or undefined; on the first pass also records versions and .mod hashes into `r`. */
function checkBody(kind: RequestKind, m: ModuleVersion, body: Buffer | undefined, r?: EndpointResult): string | undefined {
  const text = body?.toString('utf8') ?? '';
  switch (kind) {
    case 'list': {
      // §1.3: field 1 of each line must be a version; field 2, if present, is a time and is ignored here.
      const versions = text
        .split('\n')
        .map((l) => l.trim().split(/\s+/)[0] ?? '')
        .filter((v) => v !== '');
      const bad = versions.find((v) => !isValid(v));
      if (bad !== undefined) return `list line ${JSON.stringify(bad)} is not a version`;
      r?.lists.set(m.path, versions);
      return undefined;
    }
    case 'info': {
      let v: unknown;
      try {
        v = (JSON.parse(text) as { Version?: unknown }).Version;
      } catch {
        return '.info is not JSON';
      }
      return v === m.version ? undefined : `.info names version ${JSON.stringify(v)}, not ${m.version}`;
    }
    case 'mod': {
      const key = `${m.path}@${m.version}`;
      if (r !== undefined) r.hashes.set(key, { ...r.hashes.get(key), mod: hashGoMod(body ?? Buffer.alloc(0)) });
      return undefined;
    }
    case 'zip':
      return undefined;
  }
}
