// The in-process coordinator against the coordinator conformance suite, memory-only and persisted.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { coordinatorConformance } from './conformance.js';
import { LocalCoordinator } from './local.js';

coordinatorConformance('local (values persisted in a directory)', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-coord-'));
  const coord = new LocalCoordinator(dir);
  return {
    connect: async () => coord,
    restart: async () => {
      await coord.close();
      return new LocalCoordinator(dir);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});
