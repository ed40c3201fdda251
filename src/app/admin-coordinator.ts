// The coordinator a one-shot command (`gomodproxy token …`) shares with the servers of the same settings:
// the local coordinator's values under <data>/coord, which the server reads on every look-up, or the
// PostgreSQL or Redis of --coordinator, so that tokens live where every replica agrees. Opened as serve
// opens it (coordinator-open.ts), so settings the backend refuses are reported the same way.
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { dataPaths } from '../storage/data-dirs.js';
import { openCoordinator } from './coordinator-open.js';

export async function openAdminCoordinator(config: Readonly<Config>): Promise<Coordinator> {
  return (await openCoordinator(config, { localDir: dataPaths(config.data).coord })).coord;
}
