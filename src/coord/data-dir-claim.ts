// One `serve` per data directory when the coordinator is `local`: its leases live in the memory of one process
// tree, so a second server on the same --data would grant its own, and both would write the own checksum log
// and the index feed, each undoing the other's head (its own checksum database then answers 500 and 503 until
// a restart). A claim is a listening Unix socket in Linux's abstract namespace, named after the data
// directory's real path: binding it fails while another process holds it, and the kernel gives it up however
// the holder ends, so a crash or `kill -9` never leaves a claim behind that would block the next start (a pid
// file would, after a reboot reuses the pid, or in a container with a new host name).
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';

export interface DataDirClaim {
  /**
   * From now on this process tells the address it is bound to: until then it tells the address it was asked
   * for, as not bound yet, since a port 0 becomes a real port only when it binds.
   */
  bound(host: string, port: number): void;
  release(): Promise<void>;
}

/** Who holds the claim: what its holder said about itself (pid, listen address), as far as it answered. */
export interface ClaimHolder {
  readonly pid?: number;
  readonly listen?: string;
  /** The holder has not bound its address yet: `listen` is the address it was asked for (perhaps port 0). */
  readonly starting?: boolean;
}

export type ClaimResult = { readonly claim: DataDirClaim } | { readonly heldBy: ClaimHolder };

/**
 * Claims `dataDir` for this process, telling `about` (the listen address it was asked for, '' for a command
 * that listens nowhere) to a process that asks, until `bound` says where it listens. Abstract
 * sockets exist on Linux only; elsewhere every claim succeeds (no check), as before.
 */
export async function claimDataDir(dataDir: string, about: { listen: string }, platform = process.platform): Promise<ClaimResult> {
  if (platform !== 'linux') return { claim: { bound: () => undefined, release: async () => undefined } };
  const name = await socketName(dataDir);
  // A process that has no address to bind (a command) is never starting: there is nothing to wait for.
  let told: ClaimHolder = { pid: process.pid, listen: about.listen, ...(about.listen === '' ? {} : { starting: true }) };
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined);
    socket.end(`${JSON.stringify(told)}\n`);
  });
  const bound = await new Promise<boolean>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => (err.code === 'EADDRINUSE' ? resolve(false) : reject(err)));
    server.listen(name, () => resolve(true));
  });
  if (!bound) return { heldBy: await askHolder(name) };
  // The claim must not keep a process alive that is done otherwise.
  server.unref();
  return {
    claim: {
      bound: (host, port) => {
        told = { pid: process.pid, listen: `${net.isIPv6(host) ? `[${host}]` : host}:${port}` };
      },
      release: () => new Promise<void>((resolve) => server.close(() => resolve())),
    },
  };
}

/** `\0gomodproxy-data/<sha256 of the real path>`: one name per directory, however the path was written. */
async function socketName(dataDir: string): Promise<string> {
  const real = await realPathOf(path.resolve(dataDir));
  return `\0gomodproxy-data/${createHash('sha256').update(real).digest('hex')}`;
}

/** The real path; a directory not made yet (the first start) is its nearest existing parent's plus the rest. */
async function realPathOf(p: string): Promise<string> {
  try {
    return await realpath(p);
  } catch (err) {
    const parent = path.dirname(p);
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' || parent === p) return p;
    return path.join(await realPathOf(parent), path.basename(p));
  }
}

/** What the holder says about itself, or nothing when it does not say it within a second. */
function askHolder(name: string): Promise<ClaimHolder> {
  return new Promise((resolve) => {
    let text = '';
    const socket = net.connect(name);
    const done = () => {
      socket.destroy();
      try {
        const said = JSON.parse(text) as { pid?: unknown; listen?: unknown; starting?: unknown };
        resolve({
          pid: typeof said.pid === 'number' ? said.pid : undefined,
          listen: typeof said.listen === 'string' ? said.listen : undefined,
          ...(said.starting === true ? { starting: true } : {}),
        });
      } catch {
        resolve({});
      }
    };
    socket.setTimeout(1000, done);
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('utf8');
    });
    socket.on('end', done);
    socket.on('error', done);
  });
}
