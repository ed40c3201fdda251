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

function check(root: string, dir: string, realRoot: string, real: string): void {
  if (real === realRoot || real.startsWith(realRoot + path.sep)) {
    roots.set(root, realRoot);
    return;
  }
  throw Object.assign(new Error(`${dir} leads out of the store (${realRoot}) to ${real}; nothing is written there`), { code: 'EPERM' });
}

/** Throws (EPERM) when `dir`, a folder at or below `root`, resolves outside it. */
export function checkInsideSync(root: string, dir: string): void {
  check(root, dir, roots.get(root) ?? resolvedSync(root), resolvedSync(dir));
}

/** checkInsideSync through the thread pool, for the event loop. */
export async function checkInside(root: string, dir: string): Promise<void> {
  check(root, dir, roots.get(root) ?? (await resolved(root)), await resolved(dir));
}
