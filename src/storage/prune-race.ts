// A put and a delete in the same folder race: the delete prunes the folders it emptied (fs-store.ts) while the
// put creates them and renames into them. A put that loses sees ENOENT from rename, or from mkdir itself:
// Node's recursive mkdir stats a folder it found existing, which may be gone by then. It then creates the
// folders again and retries; each delete prunes once, so a few tries outlast any number of racing deletes.
export const PRUNE_RACE_ATTEMPTS = 8;

/** Whether a failed mkdir or rename into a store folder (try number `attempt`) may be tried again. */
export function lostToPrune(err: unknown, attempt: number): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT' && attempt < PRUNE_RACE_ATTEMPTS;
}
