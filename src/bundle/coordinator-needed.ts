// Why a bundle import stops while the coordinator cannot be reached, where fills go on degraded. A fill stores
// what it verified itself, against a trusted tree head its process keeps in memory, and without the locks it
// only risks fetching twice. An import must prove the bundle's tree heads consistent with the heads this proxy
// trusts, which only the coordinator holds (without them a forked or rolled-back database would pass), record
// the new heads there, and hold the locks that keep a fill from storing other content under its versions.
import { gmpError, isGmpError } from '../errors.js';

/**
 * err itself, unless it is the coordinator's outage: then the same code (503), with what the import needs it for,
 * what it stored, and what to do. stored: the module versions the commit stored before it stopped.
 */
export function coordinatorNeeded(err: unknown, stored: number): unknown {
  if (!isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE')) return err;
  const done = stored === 0 ? 'no module version of the bundle was stored' : `${stored} of its module versions were stored before it stopped`;
  return gmpError(
    'GMP_ERR_COORDINATOR_UNAVAILABLE',
    `the coordinator cannot be reached (${err.message}), and a bundle import needs it: it checks the bundle's tree heads against the ones this proxy trusts and records the new ones there, and holds the locks fills take (fills go on without it, an import cannot); ${done}; import the same bundle again once the coordinator answers (/readyz says ready)`,
    err,
  );
}
