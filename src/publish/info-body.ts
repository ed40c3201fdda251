// The `.info` of an uploaded version: JSON whose Version is exactly the version, with an optional RFC 3339
// Time; normalized to the two fields the go command reads.
import { gmpError } from '../errors.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

export function checkedInfo(modulePath: string, version: string, body: Buffer): Buffer {
  let obj: unknown;
  try {
    obj = JSON.parse(body.toString('utf8'));
  } catch {
    throw invalid(`${modulePath}@${version}: the .info is not JSON`);
  }
  const o = (typeof obj === 'object' && obj !== null ? obj : {}) as { Version?: unknown; Time?: unknown };
  if (o.Version !== version) throw invalid(`${modulePath}@${version}: the .info names version ${JSON.stringify(o.Version)}`);
  if (o.Time !== undefined && (typeof o.Time !== 'string' || !RFC3339.test(o.Time) || Number.isNaN(Date.parse(o.Time)))) {
    throw invalid(`${modulePath}@${version}: the .info Time is not an RFC 3339 time`);
  }
  return Buffer.from(JSON.stringify(o.Time === undefined ? { Version: version, Time: new Date().toISOString() } : { Version: version, Time: o.Time }));
}

function invalid(message: string): Error {
  return gmpError('GMP_ERR_PUBLISH_INVALID', `invalid upload: ${message}`);
}
