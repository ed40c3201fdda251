// The coordinator a one-shot command (`gomodproxy token …`) shares with the servers of the same settings:
// the local coordinator's values under <data>/coord, which the server reads on every look-up. A shared
// coordinator (PostgreSQL, Redis), once configurable, is opened here too, so tokens live where replicas agree.
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { LocalCoordinator } from '../coord/local.js';
import { dataPaths } from '../storage/data-dirs.js';

export async function openAdminCoordinator(config: Readonly<Config>): Promise<Coordinator> {
  return new LocalCoordinator(dataPaths(config.data).coord);
}
