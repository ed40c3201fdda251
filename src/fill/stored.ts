// What storage already holds for a wanted artifact: read inside a fill's lock (another process may just
// have stored it) and by the cache on a miss of its memory. A zip counts only together with its hash.
import { pipeIntoFile } from '../storage/file-pipe.js';
import { hashGoMod } from '../modzip/dirhash.js';
import { checkAndHashZip } from '../modzip/zip-check.js';
import type { BlobStore } from '../storage/blob-store.js';
import { artifactKey } from '../storage/keys.js';
import type { Scratch } from '../storage/scratch.js';
import type { Filled, Want } from './types.js';
import { DURABLE, isMutable, keyOf } from './types.js';

const H1_LENGTH = 47;

export async function storedAnswer(store: BlobStore, scratch: Scratch, want: Want): Promise<Filled | undefined> {
  if (want.kind === 'zip') return storedZip(store, scratch, want);
  const key = keyOf(want);
  if (!isMutable(want.kind)) {
    const body = await store.read(key);
    if (body === undefined) return undefined;
    const h1 = want.kind === 'mod' ? hashGoMod(body) : undefined;
    return { kind: want.kind, body, size: body.length, h1, fetchedAt: 0, durable: DURABLE };
  }
  const [body, st] = await Promise.all([store.read(key), store.stat(key)]);
  if (body === undefined || st === undefined) return undefined;
  if (want.freshAfter !== undefined && st.mtimeMs < want.freshAfter) return undefined;
  return { kind: want.kind, body, size: body.length, fetchedAt: st.mtimeMs, durable: DURABLE };
}

async function storedZip(store: BlobStore, scratch: Scratch, want: Want): Promise<Filled | undefined> {
  const zipKey = artifactKey(want.module, want.version, 'zip');
  const hashKey = artifactKey(want.module, want.version, 'ziphash');
  const [st, hash] = await Promise.all([store.stat(zipKey), store.read(hashKey)]);
  if (st === undefined) return undefined;
  const h1 = hash?.toString('utf8');
  if (h1 !== undefined && h1.length === H1_LENGTH) return { kind: 'zip', size: st.size, h1, fetchedAt: 0, durable: DURABLE };
  // A zip without its hash can only come from an operator's copy: check it by the zip rules and derive it.
  const body = await store.get(zipKey);
  if (body === undefined) return undefined;
  const file = scratch.file('rehash');
  try {
    // Our disk failing here (full) is ours, a 503 (file-pipe names it); the zip itself is fine.
    await pipeIntoFile(file.path, 'checking a stored zip that has no hash', body);
    const checked = await checkAndHashZip(file.path, want.module, want.version);
    await store.put(hashKey, checked.h1);
    return { kind: 'zip', size: st.size, h1: checked.h1, fetchedAt: 0, durable: DURABLE };
  } finally {
    await file.discard();
  }
}
