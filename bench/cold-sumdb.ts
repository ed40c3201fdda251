// The checksum database of the cold suite's verified runs: test/helpers/test-sumdb.ts over the fixture
// directory, with every fixture version recorded before timing starts (as sum.golang.org has them already).
import { startTestSumdb } from '../test/helpers/test-sumdb.js';
import type { TestSumdb } from '../test/helpers/test-sumdb.js';
import type { ModuleSpec } from './fixtures.js';

export async function coldSumdb(files: string, mods: readonly ModuleSpec[]): Promise<TestSumdb> {
  const db = await startTestSumdb(files);
  const records = [];
  for (const m of mods) {
    const text = await db.gosum(m.path, m.version);
    if (text === undefined) throw new Error(`cold: no checksum for ${m.path}@${m.version}`);
    records.push({ path: m.path, version: m.version, text });
  }
  await db.log.add(records);
  return db;
}
