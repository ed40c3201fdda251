// The paged log as a reader in another process sees it: only committed entries count, even when a page it
// read also held entries the writer wrote and then had to write again after a failed commit.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalCoordinator } from '../coord/local.js';
import { MemoryStore } from './memory-store.js';
import { PagedLog } from './paged-log.js';
import type { PagedHead } from './paged-log.js';
import type { KeyedRecord } from './record-pages.js';

const parse = (raw: string | undefined): PagedHead => (raw === undefined ? { n: 0, segments: [] } : (JSON.parse(raw) as PagedHead));
const rec = (key: string, text: string): KeyedRecord => ({ key, text: Buffer.from(text) });

async function append(log: PagedLog<PagedHead>, records: KeyedRecord[], commit: boolean): Promise<void> {
  const { raw, head, segments, segment } = await log.begin();
  await log.writeRecords(segment, head.n, records);
  if (commit) await log.commit(raw, { n: head.n + records.length, segments }, records);
}

test('a page read while it held uncommitted entries never answers for them once other content is committed there', async () => {
  const store = new MemoryStore();
  const coord = new LocalCoordinator();
  const writer = new PagedLog(store, coord, 'head', parse);
  const reader = new PagedLog(store, coord, 'head', parse);
  writer.epoch = 7;
  await append(writer, [rec('a', '1'), rec('b', '2')], true);
  // The writer writes two more entries into the same page, then its commit does not happen (say the
  // coordinator did not answer); meanwhile the reader reads the committed entries of that page.
  await append(writer, [rec('c', 'stale'), rec('d', 'stale')], false);
  const before = (await reader.state(true)).head;
  assert.equal((await reader.record(before, 1)).key, 'b');
  await assert.rejects(reader.record(before, 2), /not committed/);
  // The writer tries again with what it has now: other content at the same positions, committed.
  await append(writer, [rec('e', '3'), rec('c', '4')], true);
  const after = (await reader.state(true)).head;
  assert.equal(after.n, 4);
  assert.deepEqual(await Promise.all([0, 1, 2, 3].map(async (i) => (await reader.record(after, i)).text.toString())), ['1', '2', '3', '4']);
});

test('a committed page the storage lacks says so, and why that happens (a coordinator kept with another storage)', async () => {
  const coord = new LocalCoordinator();
  const writer = new PagedLog(new MemoryStore(), coord, 'head', parse);
  writer.epoch = 3;
  await append(writer, [rec('a', '1'), rec('b', '2')], true);
  // The same coordinator with an empty storage: its head commits pages this storage never had.
  const other = new PagedLog(new MemoryStore(), coord, 'head', parse);
  other.epoch = 4;
  const { head } = await other.state(true);
  await assert.rejects(other.record(head, 0), /log page e3\/\S+ is missing, though the coordinator's head commits it: .*another storage/);
  // Looking a key up reads every committed record first: appends that check for duplicates stop here.
  await assert.rejects(other.lookupId('c'), /is missing, though the coordinator's head commits it/);
});
