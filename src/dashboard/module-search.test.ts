// Module search by path prefix over the BlobStore listing, on the filesystem and in memory alike: the
// case-encoding, nested modules, pages with a cursor, and modules the asker may not read left out.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import type { BlobStore } from '../storage/blob-store.js';
import { FsStore } from '../storage/fs-store.js';
import { artifactKey, latestKey, listKey } from '../storage/keys.js';
import { MemoryStore } from '../storage/memory-store.js';
import { Scratch } from '../storage/scratch.js';
import { escapePrefix, searchModules } from './module-search.js';

const MODULES = [
  'github.com/Burnt/toml',
  'github.com/foo/bar',
  'github.com/foo/bar/v2',
  'github.com/foo/bar/Sub',
  'github.com/foo/baz',
  'golang.org/x/mod',
  'corp.example/secret',
];

async function fill(store: BlobStore): Promise<void> {
  for (const m of MODULES) {
    await store.put(listKey(m), 'v1.0.0\n');
    for (const v of ['v1.0.0', 'v1.1.0', 'v1.2.0']) for (const k of ['info', 'mod', 'zip', 'ziphash'] as const) await store.put(artifactKey(m, v, k), 'x');
  }
  await store.put(latestKey('github.com/foo/latest-only'), '{}');
}

const everything = { limit: 100, mayRead: () => true };
const dirs: string[] = [];
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

for (const [name, make] of [
  ['memory', async () => new MemoryStore() as BlobStore],
  [
    'fs',
    async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'gmp-search-'));
      dirs.push(dir);
      const { scratch } = await Scratch.open(path.join(dir, 'tmp'));
      return new FsStore(path.join(dir, 'cache'), scratch) as BlobStore;
    },
  ],
] as const) {
  describe(`module search (${name} store)`, async () => {
    const store = await make();
    await fill(store);

    test('an empty prefix lists every cached module once, whatever its number of files', async () => {
      const { modules, after } = await searchModules(store, '', everything);
      assert.deepEqual([...modules].sort(), [...MODULES, 'github.com/foo/latest-only'].sort());
      assert.equal(after, undefined);
    });

    test('a prefix may end inside a path element, and upper-case letters find case-encoded paths', async () => {
      assert.deepEqual((await searchModules(store, 'github.com/foo/ba', everything)).modules.sort(), [
        'github.com/foo/bar',
        'github.com/foo/bar/Sub',
        'github.com/foo/bar/v2',
        'github.com/foo/baz',
      ]);
      assert.deepEqual((await searchModules(store, 'github.com/B', everything)).modules, ['github.com/Burnt/toml']);
      assert.deepEqual((await searchModules(store, 'github.com/b', everything)).modules, []);
      assert.deepEqual((await searchModules(store, 'nothing.example', everything)).modules, []);
    });

    test('pages follow one another through their positions without gaps or repeats', async () => {
      const seen: string[] = [];
      let after: string | undefined;
      let pages = 0;
      do {
        const page = await searchModules(store, 'github.com/', { limit: 2, after, mayRead: () => true });
        seen.push(...page.modules);
        after = page.after;
        pages++;
      } while (after !== undefined && pages < 10);
      assert.deepEqual(
        seen.sort(),
        MODULES.filter((m) => m.startsWith('github.com/'))
          .concat('github.com/foo/latest-only')
          .sort(),
      );
    });

    test('modules the asker may not read are left out, as if not cached', async () => {
      const { modules } = await searchModules(store, '', { limit: 100, mayRead: (p) => !p.startsWith('corp.example') });
      assert.ok(!modules.includes('corp.example/secret'));
      assert.ok(modules.includes('golang.org/x/mod'));
    });
  });
}

test('a prefix with characters no module path has is refused with a reason', () => {
  assert.throws(() => escapePrefix('github.com/a b'), /bad request: a module path prefix/);
  assert.equal(escapePrefix('github.com/BurntSushi'), 'github.com/!burnt!sushi');
});

test('a search that runs out of listings among modules the asker may not read still says where to go on, and the rest follows', async () => {
  // More hidden modules than listings per search, each with more files than one listing holds: the search stops among them.
  const store = new MemoryStore();
  for (let i = 0; i < 30; i++) {
    const m = `corp.example/secret${String(i).padStart(2, '0')}`;
    for (let v = 0; v < 260; v++) for (const k of ['info', 'mod', 'zip', 'ziphash'] as const) await store.put(artifactKey(m, `v1.0.${v}`, k), 'x');
  }
  await store.put(artifactKey('corp.example/zz-public', 'v1.0.0', 'info'), 'x');
  const hidden = (p: string) => p.includes('secret');
  const first = await searchModules(store, 'corp.example/', { limit: 50, mayRead: (p) => !hidden(p) });
  assert.deepEqual(first.modules, []);
  assert.ok(first.after !== undefined, 'a position to go on from (the API seals it: it may name a hidden module)');
  const rest = await searchModules(store, 'corp.example/', { limit: 50, after: first.after, mayRead: (p) => !hidden(p) });
  assert.deepEqual(rest, { modules: ['corp.example/zz-public'] });
  // One who may read them pages on the same way.
  const all = await searchModules(store, 'corp.example/', { limit: 50, mayRead: () => true });
  const more = await searchModules(store, 'corp.example/', { limit: 50, after: all.after, mayRead: () => true });
  assert.equal(all.modules.length + more.modules.length, 31);
});
