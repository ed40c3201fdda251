// The workers' one listening socket, bound and kept by the primary. Each worker asks for it over IPC and
// listens on its own copy, accepting from it directly (no hand-over through the primary). Because the
// primary holds a copy too, the socket and its queue of new connections outlive the workers: when every
// worker has died at once, connections wait in the kernel's queue until a new worker accepts them, instead
// of being refused or reset (Node's cluster closes a shared socket when its last worker is gone).
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import { getSystemErrorName } from 'node:util';
import { gmpError } from '../errors.js';

const ASK = 'gmp:listen-ask';
const GIVE = 'gmp:listen-socket';
const LISTENING = 'gmp:listening';

/** A bound TCP handle (node's own, as the cluster module makes them): listened on by the workers only. */
export interface ListenSocket {
  readonly handle: object;
  readonly address: string;
  readonly port: number;
  /** The primary's copy: closed on shutdown, so that new connections are refused once the workers stop listening. */
  close(): void;
}

/** What the IPC channel to and from a worker offers here. */
interface Channel {
  on(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown, handle?: unknown) => void): unknown;
  send(message: unknown, handle?: unknown): unknown;
}

type CreateHandle = (address: string, port: number, addressType: number, fd?: number, flags?: number) => object | number;
const createHandle = (net as unknown as { _createServerHandle: CreateHandle })._createServerHandle;

/** Why a port cannot be had, in words, for the codes a user can fix. */
export const LISTEN_REASONS: Readonly<Record<string, string>> = {
  EADDRINUSE: 'the address is in use',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: "the address is not one of this machine's",
};

/** The one message for a port this process cannot listen on: the primary of --workers and a single process alike. */
export function cannotListen(host: string, port: number | string, code: string): string {
  const reason = LISTEN_REASONS[code];
  return `cannot listen on ${host}:${port}: ${code}${reason === undefined ? '' : ` (${reason})`}`;
}

const isCommand = (m: unknown, cmd: string): m is { cmd: string } => typeof m === 'object' && m !== null && (m as { cmd?: unknown }).cmd === cmd;

/**
 * Binds host:port (port 0: a free one, fixed from then on) without listening: the primary never accepts.
 * Node's default for all interfaces (`0.0.0.0` here) is the same socket it would make for a worker.
 */
export async function bindListenSocket(host: string, port: number): Promise<ListenSocket> {
  const { address, family } = net.isIP(host) !== 0 ? { address: host, family: net.isIP(host) } : await lookup(host);
  const handle = createHandle(address, port, family, undefined, 0);
  if (typeof handle === 'number') throw gmpError('GMP_ERR_CONFIG', cannotListen(host, port, getSystemErrorName(handle)));
  const bound: { address?: string; port?: number } = {};
  (handle as { getsockname(out: object): number }).getsockname(bound);
  const close = () => (handle as { close(): void }).close();
  // libuv reports an address in use only at listen(); by then a worker's listen() would pick any free port
  // for the unbound socket. An unbound socket has port 0: say so now.
  if (bound.port === undefined || bound.port === 0) {
    close();
    throw gmpError('GMP_ERR_CONFIG', cannotListen(host, port, 'EADDRINUSE'));
  }
  return { handle, address: bound.address ?? address, port: bound.port, close };
}

/** The primary's side for one worker: hands it the socket when asked, and tells when it listens. Returns a detach. */
export function offerListenSocket(worker: Channel, socket: ListenSocket, listening: () => void): () => void {
  const onMessage = (m: unknown) => {
    if (isCommand(m, ASK)) worker.send({ cmd: GIVE }, socket.handle);
    else if (isCommand(m, LISTENING)) listening();
  };
  worker.on('message', onMessage);
  return () => worker.off('message', onMessage);
}

/** The worker's side: the primary's socket, to listen on. */
export function askListenSocket(primary: Channel): Promise<object> {
  return new Promise((resolve) => {
    const onMessage = (m: unknown, handle?: unknown) => {
      if (!isCommand(m, GIVE) || typeof handle !== 'object' || handle === null) return;
      primary.off('message', onMessage);
      resolve(handle);
    };
    primary.on('message', onMessage);
    primary.send({ cmd: ASK });
  });
}

/** The worker's side: it listens now. */
export function saidListening(primary: Channel): void {
  primary.send({ cmd: LISTENING });
}
