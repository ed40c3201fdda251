// Module paths and versions in dashboard URLs (`/api/v1/modules/<module path>[/@v/<version>[/files|/license]]`,
// `/ui/modules/…` alike): plain module paths, percent-decoded per segment, checked as the go command checks them.
import { gmpError } from '../errors.js';
import { checkPath, isCanonicalModuleVersion } from '../protocol/module-path.js';
import { decodePath } from '../protocol/request.js';

export interface ModuleTarget {
  readonly path: string;
  readonly version?: string;
  /** What of the version is asked for: its details, its zip's file list, its LICENSE. */
  readonly part?: 'files' | 'license';
}

export function parseModuleTarget(rest: string): ModuleTarget {
  const raw = rest.split('?')[0] ?? '';
  const decoded = decodePath(raw);
  const at = decoded.indexOf('/@v/');
  const path = at < 0 ? decoded : decoded.slice(0, at);
  const problem = checkPath(path);
  if (problem !== undefined) throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${problem}`);
  if (at < 0) return { path };
  const [version = '', part, ...extra] = decoded.slice(at + 4).split('/');
  if (!isCanonicalModuleVersion(version))
    throw gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${JSON.stringify(version)} is not a canonical module version`);
  if (extra.length > 0 || (part !== undefined && part !== 'files' && part !== 'license'))
    throw gmpError('GMP_ERR_NOT_FOUND', 'not found: after the version only /files or /license');
  return { path, version, part };
}
