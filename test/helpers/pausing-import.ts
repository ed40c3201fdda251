// A child process for crash tests: `bundle import` as the command runs it (the composed server of a data
// directory, the same ImportDeps), except that at a chosen step of the commit it writes the key it just stored
// to the marker file and stops there, for the test to kill it with SIGKILL in the middle of the commit.
// STEP is `zip:N` (right after the Nth zip is stored) or `mark:N` (right after the Nth version is marked as
// imported, before any of its files is stored).
// argv: MARKER STEP BUNDLE [settings flags…]
import { writeFileSync } from 'node:fs';
import { importDeps } from '../../src/app/bundle-import.js';
import { openLocalAccess } from '../../src/app/local-access.js';
import { importBundle } from '../../src/bundle/import.js';
import { parseConfigFlags, settingFlags } from '../../src/cli/flags.js';
import { loadConfig } from '../../src/config/load.js';
import { BUNDLED } from '../../src/content/content-keys.js';
import type { BlobStore } from '../../src/storage/blob-store.js';

const [marker, step, bundle, ...argv] = process.argv.slice(2) as [string, string, string, ...string[]];
const [what, nth] = step.split(':') as ['zip' | 'mark', string];
const config = await loadConfig({ flags: settingFlags(parseConfigFlags(argv).values), env: {} });
const { server } = await openLocalAccess(config);
const deps = importDeps(config, server);
let seen = 0;

/** The store, with `method` stopping for good after the Nth write of a key `counts`. */
function pausing(store: BlobStore, method: 'put' | 'putFile', counts: (key: string) => boolean): BlobStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === method)
        return async (key: string, data: unknown) => {
          await (target[method] as (k: string, d: unknown) => Promise<void>).call(target, key, data);
          if (!counts(key) || ++seen < Number(nth)) return;
          writeFileSync(marker, key);
          // Stays here until killed.
          await new Promise(() => setInterval(() => undefined, 60_000));
        };
      const v = Reflect.get(target, prop) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  }) as BlobStore;
}

const { cache, content } = deps.commit;
const commit =
  what === 'zip'
    ? { ...deps.commit, cache: pausing(cache, 'putFile', (key) => key.endsWith('.zip')) }
    : { ...deps.commit, content: pausing(content, 'put', (key) => key.startsWith(BUNDLED)) };
await importBundle(bundle, { ...deps, commit });
process.stdout.write('imported without pausing\n');
await server.close();
