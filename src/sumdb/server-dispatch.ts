// Maps a checksum-database request path (relative to the database root, §7.1) to a ServerLog answer,
// with x/mod sumdb.Server's content types and its 400 for malformed lookups and tile paths.
import { gmpError } from '../errors.js';
import { parseLookupTarget } from './lookup-path.js';
import type { ServerLog } from './server-log.js';
import { parseTilePath } from './tile.js';

export interface SumdbResponse {
  readonly contentType: string;
  readonly body: Buffer;
}

const TEXT = 'text/plain; charset=UTF-8';

/**
 * Answers `/latest`, `/lookup/<escpath>@<escversion>` and `/tile/…`. The path must already be
 * percent-decoded (the go command sends `!` as `%21`). Rejects with GmpError: 400 malformed, 404 absent.
 */
export async function serveSumdbPath(log: ServerLog, path: string): Promise<SumdbResponse> {
  if (path === '/latest') return { contentType: TEXT, body: await log.signedTree() };
  if (path.startsWith('/lookup/')) {
    const target = parseLookupTarget(path.slice('/lookup/'.length));
    if (target === null) throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid module@version syntax');
    return { contentType: TEXT, body: await log.lookup(target.path, target.version) };
  }
  if (path.startsWith('/tile/')) {
    let tile;
    try {
      tile = parseTilePath(path.slice(1));
    } catch {
      throw gmpError('GMP_ERR_REQUEST_INVALID', 'invalid tile syntax');
    }
    const body = await log.tile(tile);
    return { contentType: tile.l === -1 ? TEXT : 'application/octet-stream', body };
  }
  throw gmpError('GMP_ERR_NOT_FOUND', `${path}: no such checksum database endpoint`);
}
