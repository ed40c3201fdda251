// Which storage a coordinator belongs to. The coordinator holds the heads of paged logs whose pages are in
// the storage (the own checksum database, the index feed): kept with a new, wiped or other storage, its heads
// commit pages that are not there. A random identity, written into the storage and recorded in the
// coordinator the first time, lets a starting instance see the mismatch before it serves.
//
// The coordinator decides the identity (compare-and-set; object stores need not create-if-absent): a first
// start records `pending:<id>`, writes <id> into the storage, then records <id>. Anyone who finds it pending
// finishes the same steps with the same id, so replicas racing at their first start agree, and none of them
// mistakes another's half-done first start for a wiped storage.
import { randomUUID } from 'node:crypto';
import type { Coordinator } from '../coord/coordinator.js';
import { isGmpError } from '../errors.js';
import type { BlobStore } from './blob-store.js';
import { PagedLog, checkPagedHead } from './paged-log.js';
import type { PagedHead } from './paged-log.js';

/** The coordinator value naming the storage it belongs to. */
export const IDENTITY_VALUE = 'storage/identity';
const PENDING = 'pending:';
const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A paged log whose head is in the coordinator and whose pages are in the storage. */
export interface CommittedLog {
  /** For messages: "the own checksum database". */
  readonly what: string;
  readonly store: BlobStore;
  readonly headKey: string;
}

export interface IdentityPlace {
  readonly coord: Coordinator;
  /** The store that holds the identity, and its key there. */
  readonly store: BlobStore;
  readonly key: string;
  /** Where the storage is, for messages. */
  readonly storageName: string;
  readonly logs: readonly CommittedLog[];
}

export type IdentityCheck =
  /** The storage is the coordinator's (recorded now when it was not yet: `adopted` heads that predate identities). */
  | { readonly kind: 'same'; readonly id: string; readonly recorded: boolean; readonly adopted: readonly string[] }
  /** They do not belong together: why, in a sentence. */
  | { readonly kind: 'mismatch'; readonly why: string }
  /** The coordinator or the storage did not answer: nothing could be checked. */
  | { readonly kind: 'unchecked'; readonly why: string };

/** Compares the storage's identity with the coordinator's, recording it on a first start. */
export async function checkStorageIdentity(place: IdentityPlace): Promise<IdentityCheck> {
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      const outcome = await attemptCheck(place);
      if (outcome !== 'raced') return outcome;
    }
    throw new Error('the storage identity kept changing in the coordinator while it was being recorded');
  } catch (err) {
    if (isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') || isGmpError(err, 'GMP_ERR_STORAGE_UNAVAILABLE')) return { kind: 'unchecked', why: err.message };
    throw err;
  }
}

async function attemptCheck(place: IdentityPlace): Promise<IdentityCheck | 'raced'> {
  const { coord, store, key, storageName } = place;
  const recorded = await coord.get(IDENTITY_VALUE);
  const stored = await readIdentity(store, key);
  if (stored === 'malformed') return { kind: 'mismatch', why: `the storage ${storageName} holds a malformed identity (${key})` };
  const pending = recorded?.startsWith(PENDING) === true ? recorded.slice(PENDING.length) : undefined;
  if (recorded !== undefined && pending === undefined) {
    if (stored === recorded) return { kind: 'same', id: recorded, recorded: false, adopted: [] };
    return {
      kind: 'mismatch',
      why:
        stored === undefined
          ? `the coordinator belongs to storage ${recorded}, but the storage ${storageName} has no identity: it is a new or wiped storage, or another one than the coordinator was used with`
          : `the coordinator belongs to storage ${recorded}, but the storage ${storageName} is storage ${stored}`,
    };
  }
  if (pending !== undefined && stored !== undefined && stored !== pending)
    return { kind: 'mismatch', why: `the coordinator is recording storage ${pending}, but the storage ${storageName} is storage ${stored}` };
  // Nothing recorded yet (a first start, or the first since an upgrade): the coordinator's logs, if it has
  // any, must have their pages here.
  const adopted: string[] = [];
  for (const log of place.logs) {
    const missing = await missingPage(coord, log);
    if (missing === 'empty') continue;
    if (missing !== undefined)
      return { kind: 'mismatch', why: `the coordinator holds the head of the log of ${log.what}, but the storage ${storageName} lacks its pages (${missing})` };
    adopted.push(log.what);
  }
  const id = stored ?? pending ?? randomUUID();
  let current = recorded;
  if (current === undefined) {
    // A storage that has its identity needs no pending step: nobody can mistake it for a wiped one.
    const next = stored === undefined ? `${PENDING}${id}` : id;
    if (!(await coord.cas(IDENTITY_VALUE, undefined, next))) return 'raced';
    current = next;
  }
  if (stored === undefined) await store.put(key, `${id}\n`);
  if (current !== id && !(await coord.cas(IDENTITY_VALUE, current, id))) return 'raced';
  return { kind: 'same', id, recorded: true, adopted };
}

async function readIdentity(store: BlobStore, key: string): Promise<string | undefined | 'malformed'> {
  const raw = await store.read(key);
  if (raw === undefined) return undefined;
  const id = raw.toString('utf8').trim();
  return ID.test(id) ? id : 'malformed';
}

/** 'empty' without committed records; the page that holds the last one when the store lacks it. */
async function missingPage(coord: Coordinator, log: CommittedLog): Promise<string | undefined | 'empty'> {
  const paged = new PagedLog<PagedHead>(log.store, coord, log.headKey, parseHead);
  const { head } = await paged.state(true);
  if (head.n === 0) return 'empty';
  try {
    await paged.record(head, head.n - 1);
    return undefined;
  } catch (err) {
    const m = /log page (\S+) (?:is missing|lacks entry)/.exec((err as Error).message);
    if (m === null) throw err;
    return `${m[1]}, which holds record ${head.n - 1}`;
  }
}

function parseHead(raw: string | undefined): PagedHead {
  if (raw === undefined) return { n: 0, segments: [] };
  const h = JSON.parse(raw) as PagedHead;
  checkPagedHead(h);
  return h;
}

/**
 * Forgets the storage the coordinator belonged to and the heads of its logs, so that the next start records
 * the storage it is given and starts those logs over there. Returns the heads it dropped.
 */
export async function forgetStorage(coord: Coordinator, logs: readonly CommittedLog[]): Promise<string[]> {
  const dropped: string[] = [];
  for (const log of logs) {
    const raw = await coord.get(log.headKey);
    if (raw === undefined) continue;
    if (!(await coord.casDelete(log.headKey, raw)))
      throw new Error(`the head of the log of ${log.what} changed meanwhile: is a server of these settings still running?`);
    dropped.push(log.what);
  }
  const recorded = await coord.get(IDENTITY_VALUE);
  if (recorded !== undefined) await coord.casDelete(IDENTITY_VALUE, recorded);
  return dropped;
}
