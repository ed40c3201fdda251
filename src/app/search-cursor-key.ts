// The key the dashboard seals module search cursors with (dashboard/search-cursor.ts), shared by every worker
// and replica through the coordinator, so that a cursor one process handed out opens on any other. The first
// process to need it sets it by compare-and-set; each process then keeps it in memory. The trade-off, as for
// the own checksum database's shared key: it is readable in PostgreSQL or Redis (it guards module names in
// cursors, nothing more). While the coordinator cannot be reached and no key is held yet, a search that needs
// a cursor answers 503 (the coordinator's error) rather than a page cut short without one.
import { randomBytes } from 'node:crypto';
import type { Coordinator } from '../coord/coordinator.js';
import type { CursorKey } from '../dashboard/search-cursor.js';

export const searchCursorKeyValue = 'dashboard/search-cursor-key';

const decode = (value: string): Buffer | undefined => {
  const key = Buffer.from(value.trim(), 'base64');
  return key.length === 32 ? key : undefined;
};

export function sharedCursorKey(coord: Pick<Coordinator, 'get' | 'cas'>): CursorKey {
  let held: Promise<Buffer> | undefined;
  const load = async (): Promise<Buffer> => {
    let value = await coord.get(searchCursorKeyValue);
    if (value === undefined || decode(value) === undefined) {
      // Absent, or not a key (written by hand): replace it, one winner among every process that races here.
      await coord.cas(searchCursorKeyValue, value, randomBytes(32).toString('base64'));
      value = await coord.get(searchCursorKeyValue);
    }
    const key = value === undefined ? undefined : decode(value);
    if (key === undefined) throw new Error(`the coordinator's ${searchCursorKeyValue} is not a 32-byte key`);
    return key;
  };
  return () => {
    held ??= load().catch((err: unknown) => {
      held = undefined;
      throw err;
    });
    return held;
  };
}
