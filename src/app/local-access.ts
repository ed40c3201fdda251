// A data directory used by a command (warm --data, bundle export --data) exactly as the server would use it:
// built by the composition root, answering GOPROXY and /sumdb/ paths in-process and filling zips through
// the one fill path with its gates. Its log lines go to stderr, from warnings up. Tokens (--auth) are not
// asked for: whoever runs a command on the data directory reads every byte of it anyway, and a server with
// --auth private must still export and warm its private modules.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import pino from 'pino';
import type { Config } from '../config/schema.js';
import { privateLogOptions } from './private-logs.js';
import { AccessError } from '../content/proxy-access.js';
import type { ProxyAccess, ZipState } from '../content/proxy-access.js';
import { GmpError } from '../errors.js';
import { artifactKey } from '../storage/keys.js';
import { createServer } from './compose.js';
import type { Server } from './compose.js';
import { claimData } from './data-dir.js';

export async function openLocalAccess(config: Readonly<Config>): Promise<ProxyAccess & { readonly server: Server }> {
  const claim = await claimData(config, undefined, `stop it, or work through it with --url instead of --data`);
  const level = config.log.level === 'info' ? 'warn' : config.log.level;
  let server: Server;
  try {
    server = await createServer(
      { ...config, auth: { ...config.auth, mode: 'off' } },
      {
        defaultMetrics: false,
        logger: pino({ level, base: { service: 'gomodproxy' }, ...privateLogOptions(config) }, pino.destination(2)),
      },
    );
    await server.app.ready();
  } catch (err) {
    await claim.release();
    throw err;
  }
  const name = `data directory ${config.data}`;
  return {
    name,
    server,
    async get(path) {
      const res = await server.app.inject({ method: 'GET', url: path });
      if (res.statusCode === 200) return res.rawPayload;
      if (res.statusCode === 404 || res.statusCode === 410) return undefined;
      throw new AccessError(`${path}: ${res.statusCode} ${res.payload.split('\n')[0]}`);
    },
    async ensureZip(modulePath, version): Promise<ZipState | undefined> {
      const want = { kind: 'zip', module: modulePath, version } as const;
      try {
        const f = (await server.fill.stored(want)) ?? (await server.fill.fill(want));
        // A fill answers before its commit ends; the command may close the store right after.
        if (!(await f.durable)) throw new AccessError(`${modulePath}@${version}: the zip could not be stored`);
        return { size: f.size, h1: f.h1 };
      } catch (err) {
        if (err instanceof GmpError && err.notFound) return undefined;
        throw new AccessError(`${modulePath}@${version}: ${(err as Error).message}`);
      }
    },
    async downloadZip(modulePath, version, file, signal) {
      const body = await server.layout.cache.get(artifactKey(modulePath, version, 'zip'));
      if (body === undefined) throw new AccessError(`${modulePath}@${version}: the zip is not in ${name}`);
      await pipeline(body, createWriteStream(file), { signal });
      return (await server.layout.cache.stat(artifactKey(modulePath, version, 'zip')))?.size ?? 0;
    },
    close: () => server.close().finally(() => claim.release()),
  };
}
