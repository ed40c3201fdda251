// A checksum-database client like x/mod sumdb.Client (§7.4): looks up go.sum lines, proves them part of
// the signed log, and keeps one consistent timeline of signed tree heads, raising SecurityError on a fork.
import { gmpError, GmpError } from '../errors.js';
import { ByteLRU, keptBytes } from '../storage/byte-lru.js';
import type { KeptBytes } from '../storage/byte-lru.js';
import { SecurityError } from './client-ops.js';
import type { ClientOps } from './client-ops.js';
import { clientTileReader, sharedTiles } from './client-tiles.js';
import type { ClientTileOptions, HeldTiles } from './client-tiles.js';
import { lookupPath } from './lookup-path.js';
import { newVerifier } from './note-keys.js';
import { verifierList } from './note.js';
import type { Verifiers } from './note.js';
import { mergeTimeline, saveTimeline } from './client-timeline.js';
import type { MergeContext, Timeline } from './client-timeline.js';
import { InconsistentTileError, tileHashReader } from './tile-hash-reader.js';
import { tilePath } from './tile.js';
import type { Tile } from './tile.js';
import { EMPTY_TREE_HASH, recordHash, shl, shr, storedHashIndex, treeHash } from './tlog.js';
import type { Hash, HashReader } from './tlog.js';
import { checkTree, proveTree } from './tlog-proof.js';
import { parseRecord } from './tree-note.js';
import type { Tree } from './tree-note.js';

/** About 1,000 records (a record and its signed tree note are about 400 bytes, plus what keeping one costs). */
const PROVEN_MEMORY = 1024 * 1024;

export interface ClientOptions {
  /** Tile height used for fetching; sum.golang.org serves 8. */
  readonly tileHeight?: number;
  /**
   * The database's name in error messages (its GOSUMDB name); default: the verifier key's name once read.
   * A proxy may consult several databases: every failure must say which one.
   */
  readonly name?: string;
}

interface State {
  readonly name: string;
  readonly verifiers: Verifiers;
  readonly timeline: Timeline;
}

export class SumdbClient {
  readonly #ops: ClientOps;
  readonly #height: number;
  #name: string | undefined;
  #init: Promise<State> | undefined;
  readonly #records = new Map<string, Promise<Buffer>>();
  /**
   * Records already proven in this client's timeline, as x/mod's client keeps them for its whole life: a fill
   * of a version's go.mod, of its zip and the go command's own lookup through the relay each ask, and the log
   * never changes a record it has. Forgotten when the server is caught contradicting itself.
   */
  readonly #proven = new ByteLRU<KeptBytes>(PROVEN_MEMORY);
  readonly #tiles = sharedTiles();

  constructor(ops: ClientOps, options: ClientOptions = {}) {
    this.#ops = ops;
    this.#height = options.tileHeight ?? 8;
    this.#name = options.name;
    if (!(this.#height >= 1 && this.#height <= 30)) throw new Error(`invalid tile height ${this.#height}`);
  }

  /**
   * The go.sum lines `<path> <version> …` of the record for path@version (version may end in /go.mod),
   * after proving the record is in the log. Rejects with SecurityError if the server contradicts itself;
   * GmpErrors from ops pass through; anything else becomes GMP_ERR_SUMDB.
   */
  async lookup(path: string, version: string): Promise<string[]> {
    const data = await this.record(path, version);
    const prefix = `${path} ${version} `;
    return data
      .toString('utf8')
      .split('\n')
      .filter((line) => line.startsWith(prefix));
  }

  /** The whole `/lookup/` answer for path@version, as proven by lookup() (the same errors). */
  async record(path: string, version: string): Promise<Buffer> {
    try {
      const state = await this.#state();
      return await this.#record(state, lookupPath(path, version), path, version);
    } catch (err) {
      throw this.#failure(`${path}@${version}`, err);
    }
  }

  /**
   * What the client's failures become: GmpErrors pass through (they name what failed: the ops' own, a
   * SecurityError), anything else is GMP_ERR_SUMDB naming this database and what was asked of it.
   */
  #failure(what: string, err: unknown): unknown {
    if (err instanceof GmpError) return err;
    const db = this.#name === undefined ? 'checksum database' : `checksum database ${this.#name}`;
    return gmpError('GMP_ERR_SUMDB', `${db}: ${what}: ${err instanceof Error ? err.message : String(err)}`, err);
  }

  /**
   * The hashes of hash tile t (`.p/W` or full), authenticated under the newest trusted tree as lookups read them
   * (cache, else server, kept once authenticated); undefined when t lies beyond that tree or has another height.
   */
  async tile(t: Tile): Promise<Buffer | undefined> {
    if (t.l < 0 || t.h !== this.#height) return undefined;
    try {
      const state = await this.#state();
      const { tree } = state.timeline;
      const start = shl(t.n, t.h);
      if (start + t.w > shr(tree.n, t.l * t.h)) return undefined;
      const indexes = Array.from({ length: t.w }, (_, i) => storedHashIndex(t.l * t.h, start + i));
      return Buffer.concat(await this.#reader(state, tree).readHashes(indexes));
    } catch (err) {
      throw this.#failure(tilePath(t), err);
    }
  }

  /** The newest tree head this client trusts (size 0 before any). */
  async latest(): Promise<{ tree: Tree; note: Buffer }> {
    try {
      const { timeline } = await this.#state();
      return { tree: timeline.tree, note: timeline.note };
    } catch (err) {
      throw this.#failure('latest', err);
    }
  }

  /** Merges the saved head with the one in memory and saves the newer (after the coordinator was unreachable). */
  async resync(): Promise<void> {
    try {
      const state = await this.#state();
      await saveTimeline(this.#context(state));
    } catch (err) {
      throw this.#failure('saving the trusted tree head', err);
    }
  }

  #state(): Promise<State> {
    // A failed start is retried on the next call, since a long-running proxy must not stay broken.
    this.#init ??= this.#start().catch((err: unknown) => {
      this.#init = undefined;
      throw new Error(`initializing sumdb.Client: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    });
    return this.#init;
  }

  async #start(): Promise<State> {
    const verifier = newVerifier((await this.#ops.readConfig('key')).toString('utf8').trim());
    this.#name ??= verifier.name;
    const state: State = {
      name: verifier.name,
      verifiers: verifierList(verifier),
      timeline: { tree: { n: 0, hash: EMPTY_TREE_HASH }, note: Buffer.alloc(0) },
    };
    await this.#mergeLatest(state, await this.#ops.readConfig(`${state.name}/latest`));
    return state;
  }

  /** Reads, authenticates and caches one lookup response; concurrent lookups of one file share the work. */
  #record(state: State, remote: string, path: string, version: string): Promise<Buffer> {
    const file = state.name + remote;
    const proven = this.#proven.get(file);
    if (proven !== undefined) return Promise.resolve(proven.data);
    let p = this.#records.get(file);
    if (p === undefined) {
      p = this.#fetchRecord(state, file, remote, path, version).finally(() => this.#records.delete(file));
      this.#records.set(file, p);
      p.then((data) => this.#proven.set(file, keptBytes(data))).catch(() => undefined);
    }
    return p;
  }

  async #fetchRecord(state: State, file: string, remote: string, path: string, version: string): Promise<Buffer> {
    let data: Buffer;
    let fromCache = true;
    try {
      data = await this.#ops.readCache(file);
      // Kept by a release that cached whatever record came back: one naming other versions is asked for again.
      if (!namesVersion(parseRecord(data).text, path, version)) throw new Error('cached record of other module versions');
    } catch {
      data = await this.#ops.readRemote(remote);
      fromCache = false;
    }
    const { id, text, rest } = parseRecord(data);
    // A record of other module versions may well be in the log, but it proves nothing about this one; kept
    // under this one's name it would refuse the version for good, even once the server answers right.
    if (!namesVersion(text, path, version)) {
      const first = text.toString('utf8').split('\n')[0] ?? '';
      throw new Error(`the database answered with a record of other module versions (${JSON.stringify(first.split(' ').slice(0, 2).join(' '))})`);
    }
    await this.#mergeLatest(state, rest);
    await this.#checkRecord(state, id, text);
    if (!fromCache) {
      await this.#ops.writeCache(file, data).catch((err: unknown) => this.#ops.log(`sumdb: caching ${file}: ${String(err)}`));
    }
    return data;
  }

  #mergeLatest(state: State, msg: Buffer): Promise<void> {
    return mergeTimeline(msg, this.#context(state));
  }

  #context(state: State): MergeContext {
    return {
      timeline: state.timeline,
      configFile: `${state.name}/latest`,
      ops: this.#ops,
      verifiers: state.verifiers,
      checkTrees: (older, olderNote, newer, newerNote) => this.#checkTrees(state, older, olderNote, newer, newerNote),
    };
  }

  #reader(state: State, tree: Tree, opts: ClientTileOptions = {}): HashReader {
    return tileHashReader(tree, clientTileReader(this.#ops, state.name, this.#height, this.#tiles, opts));
  }

  /**
   * Proves older ⊂ newer, or reports the fork with both notes and a proof, as cmd/go does. The tiles read
   * meanwhile are saved only once the proof holds: newer may be a fork, whose tiles authenticate its own
   * signed root and would otherwise stay cached, failing the true log's records after the fork is lifted.
   */
  async #checkTrees(state: State, older: Tree, olderNote: Buffer, newer: Tree, newerNote: Buffer): Promise<void> {
    const held: HeldTiles = [];
    let thr = this.#reader(state, newer, { held });
    let h: Hash;
    try {
      h = await treeHash(older.n, thr);
    } catch (err) {
      const what = older.n === newer.n ? `checking tree#${older.n}` : `checking tree#${older.n} against tree#${newer.n}`;
      if (!(err instanceof InconsistentTileError)) throw new Error(`${what}: ${(err as Error).message}`, { cause: err });
      // Cached tiles belong to our timeline; if the server's signed tree disagrees with them, hear the
      // server's own tiles: if they authenticate its tree, the fork is proven rather than merely suspected.
      held.length = 0;
      thr = this.#reader(state, newer, { remoteOnly: true, held });
      h = await treeHash(older.n, thr).catch(() => {
        throw new Error(`${what}: ${err.message}`, { cause: err });
      });
    }
    if (h.equals(older.hash)) {
      // Proven: these tiles belong to our timeline (the server's own replace cached ones that disagreed).
      const saver = clientTileReader(this.#ops, state.name, this.#height, this.#tiles);
      for (const { tiles, data } of held) await saver.saveTiles(tiles, data);
      return;
    }
    this.#proven.clear();
    const report = await misbehaviourReport(older, olderNote, newer, newerNote, h, thr);
    this.#ops.securityError(report);
    throw new SecurityError(report, this.#name);
  }

  async #checkRecord(state: State, id: number, text: Buffer): Promise<void> {
    const latest = state.timeline.tree;
    if (id >= latest.n) throw new Error(`cannot validate record ${id} in tree of size ${latest.n}`);
    const [h] = await this.#reader(state, latest).readHashes([storedHashIndex(0, id)]);
    if (h === undefined || !h.equals(recordHash(text))) throw new Error('cannot authenticate record data in server response');
  }
}

/** Whether a record's go.sum lines are those of path@version (its zip's or its go.mod's; version may end in /go.mod). */
function namesVersion(text: Buffer, path: string, version: string): boolean {
  const v = version.endsWith('/go.mod') ? version.slice(0, -'/go.mod'.length) : version;
  return text
    .toString('utf8')
    .split('\n')
    .some((line) => line.startsWith(`${path} ${v} `) || line.startsWith(`${path} ${v}/go.mod `));
}

/** The text cmd/go prints: both signed notes, the newer tree's hash for the older size, and a proof of it. */
async function misbehaviourReport(older: Tree, olderNote: Buffer, newer: Tree, newerNote: Buffer, h: Buffer, thr: HashReader): Promise<string> {
  const indent = (b: Buffer) => b.toString('utf8').replaceAll('\n', '\n\t');
  let out = 'SECURITY ERROR\ngo.sum database server misbehavior detected!\n\n';
  out += `old database:\n\t${indent(olderNote)}\nnew database:\n\t${indent(newerNote)}\n`;
  out += `proof of misbehavior:\n\t${h.toString('base64')}`;
  try {
    const p = await proveTree(newer.n, older.n, thr);
    try {
      checkTree(p, newer.n, newer.hash, older.n, h);
      for (const x of p) out += `\n\t${x.toString('base64')}`;
    } catch {
      out += '\tinternal error: generated inconsistent proof\n';
    }
  } catch (err) {
    out += `\tinternal error: ${(err as Error).message}\n`;
  }
  return out;
}
