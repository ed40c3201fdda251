// A child process for crash tests: `bundle import` as the command runs it (the composed server of a data
// directory, the same ImportDeps), except that right after the first zip is stored it writes the key to the
// marker file and stops there, for the test to kill it with SIGKILL in the middle of the commit.
// argv: MARKER BUNDLE [settings flags…]
import { writeFileSync } from 'node:fs';
import { importDeps } from '../../src/app/bundle-import.js';
import { openLocalAccess } from '../../src/app/local-access.js';
import { importBundle } from '../../src/bundle/import.js';
import { parseConfigFlags, settingFlags } from '../../src/cli/flags.js';
import { loadConfig } from '../../src/config/load.js';
import type { BlobStore } from '../../src/storage/blob-store.js';

const [marker, bundle, ...argv] = process.argv.slice(2) as [string, string, ...string[]];
const config = await loadConfig({ flags: settingFlags(parseConfigFlags(argv).values), env: {} });
const { server } = await openLocalAccess(config);
const deps = importDeps(config, server);
const cache = deps.commit.cache;
const pausing = new Proxy(cache, {
  get(target, prop) {
    if (prop === 'putFile')
      return async (key: string, file: string) => {
        await target.putFile(key, file);
        if (!key.endsWith('.zip')) return;
        writeFileSync(marker, key);
        // Stays here until killed.
        await new Promise(() => setInterval(() => undefined, 60_000));
      };
    const v = Reflect.get(target, prop) as unknown;
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
  },
}) as BlobStore;
await importBundle(bundle, { ...deps, commit: { ...deps.commit, cache: pausing } });
process.stdout.write('imported without pausing\n');
await server.close();
