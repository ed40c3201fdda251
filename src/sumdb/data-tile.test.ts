// Data tiles are proven against the level-0 hash tile: both layouts in use pass, any change to a record,
// its id, their order or their number is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkDataTile, DataTileError, dataTileRecords } from './data-tile.js';
import { MemoryLogStorage } from './log-storage.js';
import { generateKey } from './note-keys.js';
import { ServerLog } from './server-log.js';
import type { Tile } from './tile.js';
import { formatRecord } from './tree-note.js';

const texts = ['a', 'b', 'c'].map((m) => Buffer.from(`example.com/${m} v1.0.0 h1:${m.repeat(43)}=\nexample.com/${m} v1.0.0/go.mod h1:${m.repeat(43)}=\n`));

async function log(): Promise<ServerLog> {
  const l = new ServerLog(new MemoryLogStorage(), generateKey('sum.test.example').signerKey);
  await l.add(texts.map((text, i) => ({ path: `example.com/${'abc'[i]}`, version: 'v1.0.0', text })));
  return l;
}

const data: Tile = { h: 8, l: -1, n: 0, w: 3 };
const hashTile: Tile = { ...data, l: 0 };

test('a data tile as our database and sum.golang.org serve it is proven by the level-0 hash tile', async () => {
  const l = await log();
  const body = await l.tile(data);
  assert.deepEqual(dataTileRecords(data, body), texts);
  checkDataTile(data, body, await l.tile(hashTile));
  // A partial tile of the first two records too.
  checkDataTile({ ...data, w: 2 }, await l.tile({ ...data, w: 2 }), await l.tile({ ...hashTile, w: 2 }));
});

test("x/mod's reference layout, with an id line before each record, is proven too; a wrong id is refused", async () => {
  const l = await log();
  const hashes = await l.tile(hashTile);
  checkDataTile(data, Buffer.concat(texts.map((t, i) => formatRecord(i, t))), hashes);
  assert.throws(() => checkDataTile(data, Buffer.concat(texts.map((t, i) => formatRecord(i + 1, t))), hashes), /carries id 1, not 0/);
});

test('a changed byte, records swapped, one missing or one more are refused', async () => {
  const l = await log();
  const body = await l.tile(data);
  const hashes = await l.tile(hashTile);
  const flipped = Buffer.from(body);
  flipped[20] = (flipped[20] as number) ^ 1;
  const swapped = Buffer.concat([texts[1], Buffer.from('\n'), texts[0], Buffer.from('\n'), texts[2], Buffer.from('\n')] as Buffer[]);
  const missing = Buffer.concat([texts[0], Buffer.from('\n'), texts[1], Buffer.from('\n')] as Buffer[]);
  const extra = Buffer.concat([body, texts[0] as Buffer, Buffer.from('\n')]);
  for (const bad of [flipped, swapped, missing, extra, Buffer.alloc(0), Buffer.from('junk')]) {
    assert.throws(() => checkDataTile(data, bad, hashes), DataTileError);
  }
});
