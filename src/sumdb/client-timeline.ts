// The client's one timeline of signed tree heads (x/mod sumdb client mergeLatest, §7.4 step 3): an older
// head must be a prefix of the trusted one, a newer head must extend it, and the saved head moves by CAS.
import { WriteConflictError } from './client-ops.js';
import type { ClientOps } from './client-ops.js';
import { open } from './note.js';
import type { Verifiers } from './note.js';
import { parseTree } from './tree-note.js';
import type { Tree } from './tree-note.js';

/** The trusted head, shared and updated in place by concurrent merges. */
export interface Timeline {
  tree: Tree;
  note: Buffer;
}

export interface MergeContext {
  readonly timeline: Timeline;
  readonly configFile: string;
  readonly ops: ClientOps;
  readonly verifiers: Verifiers;
  /** MUST reject (SecurityError on proof of a fork) unless older is a prefix of newer. */
  checkTrees(older: Tree, olderNote: Buffer, newer: Tree, newerNote: Buffer): Promise<void>;
}

type When = 'past' | 'now' | 'future';

function readTree(msg: Buffer, verifiers: Verifiers): Tree {
  let text: string;
  try {
    text = open(msg, verifiers).text;
  } catch (err) {
    throw new Error(`reading tree note: ${(err as Error).message}\nnote:\n${msg.toString('utf8')}`, { cause: err });
  }
  try {
    return parseTree(text);
  } catch (err) {
    throw new Error(`reading tree: ${(err as Error).message}\ntree:\n${text}`, { cause: err });
  }
}

/** Merges msg into the in-memory timeline and says whether it was behind, at, or ahead of it. */
async function mergeInMemory(msg: Buffer, ctx: MergeContext): Promise<When> {
  const tl = ctx.timeline;
  // An empty message is the unsigned empty tree: how a client starts before it trusts anything.
  if (msg.length === 0) return tl.tree.n === 0 ? 'now' : 'past';
  // The very note we trust, byte for byte (what most lookups carry): its signature was checked when it came.
  if (msg.equals(tl.note)) return 'now';
  const tree = readTree(msg, ctx.verifiers);
  let latest = tl.tree;
  let latestNote = tl.note;
  for (;;) {
    if (tree.n <= latest.n) {
      // The very head we trust needs no tiles to prove it is on our timeline.
      if (tree.n !== latest.n || !tree.hash.equals(latest.hash)) await ctx.checkTrees(tree, msg, latest, latestNote);
      return tree.n < latest.n ? 'past' : 'now';
    }
    await ctx.checkTrees(latest, latestNote, tree, msg);
    // Other merges may have moved the timeline while tiles were fetched; if so, check again from there.
    if (tl.tree === latest) {
      tl.tree = tree;
      tl.note = msg;
      return 'future';
    }
    latest = tl.tree;
    latestNote = tl.note;
  }
}

/** mergeLatest: merges msg, then, if the timeline moved forward, saves it, merging any newer saved head first. */
export async function mergeTimeline(msg: Buffer, ctx: MergeContext): Promise<void> {
  if ((await mergeInMemory(msg, ctx)) !== 'future') return;
  await saveTimeline(ctx);
}

/**
 * Merges the saved head into the timeline (refusing one that contradicts it) and saves the timeline when
 * the saved head is behind it: after a move forward, or after the saved head could not be written for a while.
 */
export async function saveTimeline(ctx: MergeContext): Promise<void> {
  for (;;) {
    const saved = await ctx.ops.readConfig(ctx.configFile);
    if ((await mergeInMemory(saved, ctx)) !== 'past') return;
    try {
      await ctx.ops.writeConfig(ctx.configFile, saved, ctx.timeline.note);
      return;
    } catch (err) {
      if (!(err instanceof WriteConflictError)) throw err;
    }
  }
}
