// Writes of the filesystem store stay inside its root: a folder on a key's path that is a symbolic link out of
// it (an operator's mistake, a layout copied from another host) must not take the proxy's writes, or the folders
// it makes, elsewhere. Checked once per folder before it is made or first written into.
import { realpathSync } from 'node:fs';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { isAbsent } from './local-errors.js';

/** The resolved root of each store that exists (the root itself may be a link, say to a larger disk). */
const roots = new Map<string, string>();

/** Where `p` leads: its nearest existing folder resolved, plus the part not made yet (made as real folders). */
function resolvedSync(p: string): string {
  try {
    return realpathSync.native(p);
  } catch (err) {
    const up = path.dirname(p);
    if (!isAbsent(err) || up === p) throw err;
    return path.join(resolvedSync(up), path.basename(p));
  }
}

async function resolved(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    const up = path.dirname(p);
    if (!isAbsent(err) || up === p) throw err;
    return path.join(await resolved(up), path.basename(p));
  }
}

const inside = (realRoot: string, real: string) => real === realRoot || real.startsWith(realRoot + path.sep);

/**
 * The folders from `root` down to `dir` (both included), nearest the root first: the first of them that resolves
 * outside is the link (the folders above it resolve inside, so its own last element is what leads out).
 */
function pathDown(root: string, dir: string): string[] {
  const rel = path.relative(root, dir);
  const steps = rel === '' ? [] : rel.split(path.sep);
  return [root, ...steps.map((_, i) => path.join(root, ...steps.slice(0, i + 1)))];
}

/**
 * The error for a folder that leads out: it names the link, a path inside the store, and not where it leads, which
 * is outside the data directory and may be anything on the host (the message reaches logs and may reach answers).
 */
function leadsOut(link: string, realRoot: string): Error {
  return Object.assign(new Error(`${link} leads out of the store (${realRoot}): a symbolic link to a folder outside it; nothing is written there`), {
    code: 'EPERM',
  });
}

function check(root: string, realRoot: string, real: string): boolean {
  if (!inside(realRoot, real)) return false;
  roots.set(root, realRoot);
  return true;
}

/** Throws (EPERM) when `dir`, a folder at or below `root`, resolves outside it. */
export function checkInsideSync(root: string, dir: string): void {
  const realRoot = roots.get(root) ?? resolvedSync(root);
  if (check(root, realRoot, resolvedSync(dir))) return;
  let link = dir;
  try {
    link = pathDown(root, dir).find((p) => !inside(realRoot, resolvedSync(p))) ?? dir;
  } catch {
    // Changed while looked at: the folder written is named instead.
  }
  throw leadsOut(link, realRoot);
}

/** checkInsideSync through the thread pool, for the event loop. */
export async function checkInside(root: string, dir: string): Promise<void> {
  const realRoot = roots.get(root) ?? (await resolved(root));
  if (check(root, realRoot, await resolved(dir))) return;
  let link = dir;
  try {
    for (const p of pathDown(root, dir)) {
      if (inside(realRoot, await resolved(p))) continue;
      link = p;
      break;
    }
  } catch {
    // Changed while looked at: the folder written is named instead.
  }
  throw leadsOut(link, realRoot);
}
