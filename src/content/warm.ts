// Pre-warming: the exact versions of a go.sum or a module list, or the requirement graph of a go.mod or
// go.work, filled through a proxy (over HTTP, or a data directory through the server's own fill path):
// `.info` and `.mod` of each version, and the zip of each version a build would use.
import { hashGoMod } from '../modzip/dirhash.js';
import type { ModuleVersion } from './content-keys.js';
import { requirementGraph } from './module-graph.js';
import { readModuleFile } from './module-files.js';
import type { GoSumHashes } from '../protocol/module-lists.js';
import { eachLimited } from './pool.js';
import type { Item, Progress } from './progress.js';
import { AccessError, artifactPath, failure } from './proxy-access.js';
import type { ProxyAccess } from './proxy-access.js';

export interface Target extends ModuleVersion {
  /** Whether its zip is wanted (for a graph: only versions selected for the build). */
  readonly zip: boolean;
  /** The hashes a go.sum gives for it: what the proxy holds must agree (a go build would refuse it). */
  readonly sums?: GoSumHashes;
}

export interface Resolved {
  readonly targets: Target[];
  /** Versions of a graph whose .mod could not be read. */
  readonly failed: Item[];
}

/** The versions to fill: named ones, go.sum/list files as they are, go.mod/go.work by their graph. */
export async function resolveTargets(
  access: ProxyAccess,
  named: readonly ModuleVersion[],
  files: readonly string[],
  opts: { readonly concurrency: number; readonly signal?: AbortSignal },
): Promise<Resolved> {
  const targets = new Map<string, Target>();
  const add = (m: ModuleVersion & { readonly sums?: GoSumHashes }, zip: boolean) => {
    const k = `${m.path}@${m.version}`;
    const cur = targets.get(k);
    const sums = m.sums ?? cur?.sums;
    targets.set(k, { path: m.path, version: m.version, zip: zip || (cur?.zip ?? false), ...(sums === undefined ? {} : { sums }) });
  };
  for (const m of named) add(m, true);
  const failed: Item[] = [];
  for (const file of files) {
    const { kind, versions } = await readModuleFile(file);
    if (kind === 'go.sum' || kind === 'list') {
      for (const m of versions) add(m, true);
      continue;
    }
    const graph = await requirementGraph(versions, (m) => access.get(artifactPath(m.path, m.version, 'mod'), opts.signal), opts);
    const selected = new Set(graph.selected.map((m) => `${m.path}@${m.version}`));
    for (const m of graph.all) add(m, selected.has(`${m.path}@${m.version}`));
    for (const f of graph.failed) failed.push({ name: `${f.path}@${f.version}`, bytes: 0, error: `go.mod: ${f.error}`, hint: f.hint });
  }
  return { targets: [...targets.values()], failed };
}

/** Fills one version's .info, .mod and (when wanted) zip; the bytes the proxy holds for it. */
export async function warmOne(access: ProxyAccess, t: Target, signal?: AbortSignal): Promise<number> {
  const need = async (ext: 'info' | 'mod') => {
    const body = await access.get(artifactPath(t.path, t.version, ext), signal);
    if (body === undefined) throw new AccessError(`not found (.${ext})`);
    return body;
  };
  const mod = await need('mod');
  agree(access, 'go.mod', t.sums?.mod, hashGoMod(mod));
  let bytes = (await need('info')).length + mod.length;
  if (t.zip) {
    const zip = await access.ensureZip(t.path, t.version, signal);
    if (zip === undefined) throw new AccessError('not found (.zip)');
    // The proxy's stored hash, where it tells it (a gomodproxy does, in the zip's ETag).
    agree(access, 'zip', t.sums?.zip, zip.h1);
    bytes += zip.size;
  }
  return bytes;
}

/** Named where the bytes are: the data directory (`warm --data`, no proxy involved) or the proxy's URL. */
function agree(access: ProxyAccess, file: 'go.mod' | 'zip', want: string | undefined, got: string | undefined): void {
  if (want === undefined || got === undefined || want === got) return;
  throw new AccessError(`checksum mismatch with the go.sum: its ${file} hash is ${want}, ${access.name} holds ${got}`);
}

export async function runWarm(
  access: ProxyAccess,
  targets: readonly Target[],
  progress: Progress,
  opts: { readonly concurrency: number; readonly signal?: AbortSignal },
) {
  await eachLimited(
    targets,
    opts.concurrency,
    async (t) => {
      const name = `${t.path}@${t.version}`;
      try {
        progress.item({ name, bytes: await warmOne(access, t, opts.signal) });
      } catch (err) {
        if (opts.signal?.aborted === true) return;
        progress.item({ name, bytes: 0, ...failure(err) });
      }
    },
    opts.signal,
  );
}
