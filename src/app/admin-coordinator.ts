// The coordinator a one-shot command (`gomodproxy token …`) shares with the servers of the same settings:
// the local coordinator's values under <data>/coord, which the server reads on every look-up, or the
// PostgreSQL or Redis of --coordinator, so that tokens live where every replica agrees.
import { parseCoordinator } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import type { Coordinator } from '../coord/coordinator.js';
import { LocalCoordinator } from '../coord/local.js';
import { openPostgresCoordinator } from '../coord/postgres.js';
import { openRedisCoordinator } from '../coord/redis.js';
import { dataPaths } from '../storage/data-dirs.js';

export async function openAdminCoordinator(config: Readonly<Config>): Promise<Coordinator> {
  const spec = parseCoordinator(config.coordinator);
  if (spec.kind === 'postgres') return openPostgresCoordinator(spec.url);
  if (spec.kind === 'redis') return openRedisCoordinator(spec.url);
  return new LocalCoordinator(dataPaths(config.data).coord);
}
