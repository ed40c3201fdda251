// `serve --workers N` (N > 1): the primary process owns the in-process coordinator and supervises N HTTP
// workers that share one listening port. A worker that dies loses its leases at once (with PostgreSQL or
// Redis too: worker-leases.ts) and is restarted;
// SIGTERM drains every worker before the primary exits.
//
// The primary binds the listening socket and keeps it (listen-socket.ts); the workers accept from it
// themselves, instead of the primary accepting and handing each connection over (round-robin). Since
// libuv 1.45 (Node 20) a process accepts one connection per event-loop iteration, and the round-robin
// hand-over waits for the worker's reply to each connection: under load both admit new connections at the
// pace of the workers' busy iterations, but round-robin also hands half of them to a worker that is
// stalled (a long collection, a stopped process) while the other could serve them. Measured: 1,000 new
// connections into 2 loaded workers were all admitted after 6.2 s round-robin and 3.7 s shared
// (docs/performance.md, "Admission of new connections").
import cluster from 'node:cluster';
import type { Worker } from 'node:cluster';
import { isIPv6 } from 'node:net';
import type { Logger } from 'pino';
import { parseCoordinator } from '../config/backends.js';
import { parseListen } from '../config/schema.js';
import type { Config } from '../config/schema.js';
import { cannotLock, FILL_LOCKS_ENV, releaseHeldBy } from '../coord/file-exclusive.js';
import { serveCoordinator } from '../coord/ipc.js';
import { LocalCoordinator } from '../coord/local.js';
import { redactProxyList } from '../protocol/proxy-list.js';
import { dataPaths } from '../storage/data-dirs.js';
import { roomCheck } from './health.js';
import { Scratch } from '../storage/scratch.js';
import { checkBackends } from './backends.js';
import { MetricsAggregator } from './cluster-metrics.js';
import { bindListenSocket, offerListenSocket } from './listen-socket.js';
import { tlsEnabled } from './tls.js';
import { StatsHub } from './cluster-stats.js';
import { ReadAheadHub } from './cluster-read-ahead.js';
import { SumdbSubmitHub } from './cluster-sumdb.js';
import { FailuresHub } from './cluster-failures.js';
import { watchWorker } from './watchdog.js';
import { watchNpmParent } from './npm-parent.js';
import { COORD_OWNER_ENV, WorkerLeases, workerOwner } from './worker-leases.js';

/**
 * V8 lets a process's young generation grow to two 16 MiB semi-spaces, and a worker under many concurrent
 * downloads grows it all the way. With 8 MiB, each worker's peak stays about 9 MiB lower. Measured with 500
 * requests on one cold 50 MiB zip and two workers: +74.4 MiB of RSS against +92.5 (means of 4 alternating
 * runs, docs/performance.md). An operator's own setting (node flag or NODE_OPTIONS) is kept.
 */
const WORKER_SEMI_SPACE_MB = 8;

/** The node flags a worker starts with: the primary's, plus the young generation's limit unless one is set. */
export function workerExecArgv(execArgv: readonly string[], nodeOptions = ''): string[] {
  const set = [...execArgv, ...nodeOptions.split(/\s+/)].some((a) => /^--max[-_]semi[-_]space[-_]size(=|$)/.test(a));
  return set ? [...execArgv] : [...execArgv, `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`];
}

/** Restarts within this window count as a crash loop, which slows restarts down. */
const CRASH_WINDOW_MS = 10_000;
const CRASH_LIMIT = 5;

/** `bound` is told the address once the socket is bound (a port 0 is a real port from then on). */
export async function runPrimary(config: Readonly<Config>, log: Logger, bound?: (host: string, port: number) => void): Promise<number> {
  // With PostgreSQL or Redis every worker talks to it itself; only `local` is served to workers from here.
  const spec = parseCoordinator(config.coordinator);
  const external = spec.kind !== 'local';
  const coord = external ? undefined : await LocalCoordinator.open(dataPaths(config.data).coord);
  await checkBackends(config, log, coord).catch(async (err: unknown) => {
    await coord?.close();
    throw err;
  });
  // There, each worker's leases carry an owner id made here, and are dropped here when it exits.
  const workerLeases = spec.kind === 'local' ? undefined : await WorkerLeases.open(spec, log);
  // The workers' fill locks (coord/file-exclusive.ts): in this primary's own scratch area, which a later
  // start removes if this process dies without removing it itself. Where no lock file can be made there, the
  // workers hold fills through this process's leases, as replicas do through theirs.
  const fillLocks = external ? undefined : await openFillLocks(dataPaths(config.data).tmp, log);
  const metrics = new MetricsAggregator();
  // The dashboard's one timeline for the whole server lives here, where worker restarts cannot lose it.
  const stats = config.dashboard ? new StatsHub() : undefined;
  const readAhead = config.cache.readAhead > 0 ? new ReadAheadHub() : undefined;
  const ownSumdb = config.ownSumdb.enabled ? new SumdbSubmitHub() : undefined;
  // One log of local storage failures (a full disk) for the whole server, not one per worker.
  const failures = new FailuresHub(log, roomCheck(config));
  const crashes: number[] = [];
  let stopping = false;
  // Set below: stops every worker and ends the primary with this exit status.
  let stopWith: (reason: string, status: number) => void = () => undefined;

  // Bound once, here (a port 0 is fixed for good), and kept: it outlives every worker.
  const { host, port } = parseListen(config.listen) as { host: string; port: number };
  const socket = await bindListenSocket(host, port);
  bound?.(socket.address, socket.port);
  let listening = 0;
  const listened = () => {
    if (++listening === config.workers)
      log.info(
        {
          // As a URL writes its host: an IPv6 address in brackets (Fastify's own line, with --workers 1, does the same).
          address: `${tlsEnabled(config) ? 'https' : 'http'}://${isIPv6(socket.address) ? `[${socket.address}]` : socket.address}:${socket.port}`,
          workers: config.workers,
          // What `--workers 1` logs too (cli/serve.ts), without the credentials of the upstreams' URLs.
          upstream: redactProxyList(config.upstream),
          data: config.data,
        },
        'gomodproxy listening',
      );
  };
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  const start = (): Worker => {
    const owner = workerLeases?.newOwner();
    const worker = cluster.fork({
      ...(fillLocks === undefined ? {} : { [FILL_LOCKS_ENV]: fillLocks.dir }),
      ...(owner === undefined ? {} : { [COORD_OWNER_ENV]: owner }),
    });
    const pid = String(worker.process.pid);
    const id = `w${worker.id}`;
    // Watched once it listens: loading and starting may hold a worker's event loop for a while.
    let stopWatch = (): void => undefined;
    let didListen = false;
    const detachSocket = offerListenSocket(worker, socket, () => {
      didListen = true;
      listened();
      if (config.workerHangTimeout > 0 && !stopping)
        stopWatch = watchWorker(worker, {
          hangMs: config.workerHangTimeout,
          onHung: (silentMs) => {
            log.error({ worker: id, pid: worker.process.pid, silentMs }, 'worker does not answer (its event loop is stuck): killing it');
            worker.process.kill('SIGKILL');
          },
        });
    });
    const detachCoord = coord === undefined ? () => undefined : serveCoordinator(coord, worker, id);
    const detachMetrics = metrics.add(id, worker);
    const detachStats = stats?.add(id, worker);
    const detachReadAhead = readAhead?.add(id, worker);
    const detachOwnSumdb = ownSumdb?.add(id, worker);
    const detachFailures = failures.add(id, worker);
    // A message to a worker that just died must not take the primary down.
    worker.on('error', (err) => log.warn({ worker: id, err: err.message }, 'worker channel error'));
    worker.once('exit', (code, signal) => {
      detachSocket();
      detachCoord();
      // Before any replacement starts: what the dead worker held, others may fill now.
      if (fillLocks !== undefined) {
        const released = releaseHeldBy(fillLocks.dir, pid);
        if (released > 0) log.warn({ worker: id, released }, 'gave back the fill locks of an exited worker');
      }
      if (owner !== undefined && worker.process.pid !== undefined) workerLeases?.workerExited(workerOwner(owner, worker.process.pid), id);
      detachMetrics();
      detachStats?.();
      detachReadAhead?.();
      detachOwnSumdb?.();
      detachFailures();
      stopWatch();
      if (stopping) return;
      // Before the server was ever up, a worker that ends without listening met what every worker would (a
      // setting it cannot use, told on stderr in one line): starting it again forever would hide that. Exit 1,
      // as a single process does.
      if (!didListen && listening < config.workers) {
        log.error({ worker: id, code, signal }, 'a worker could not start (its reason is above): stopping');
        stopWith('a worker could not start', 1);
        return;
      }
      log.error({ worker: id, code, signal }, 'worker exited; starting a new one');
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && (crashes[0] as number) < now - CRASH_WINDOW_MS) crashes.shift();
      setTimeout(start, crashes.length > CRASH_LIMIT ? 5000 : 100);
    });
    return worker;
  };
  for (let i = 0; i < config.workers; i++) start();

  return new Promise<number>((resolve) => {
    const stop = (signal: string, status = 0) => {
      if (stopping) return;
      stopping = true;
      if (status === 0) log.info({ signal }, 'shutting down: draining every worker');
      socket.close();
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      const exited = workers.map((w) => new Promise<void>((r) => (w.isDead() ? r() : w.once('exit', () => r()))));
      for (const w of workers) w.process.kill('SIGTERM');
      const timer = setTimeout(() => {
        log.warn('shutdown timeout reached; stopping the remaining workers');
        for (const w of workers) if (!w.isDead()) w.process.kill('SIGKILL');
      }, config.shutdownTimeout + 1000);
      timer.unref();
      void Promise.all(exited).then(async () => {
        clearTimeout(timer);
        stats?.close();
        await coord?.close();
        await workerLeases?.close();
        await fillLocks?.close();
        resolve(status);
      });
    };
    stopWith = (reason, status) => stop(reason, status);
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    watchNpmParent(() => stop('npm stopped'));
    // Each worker serves TLS itself: a certificate reload goes to all of them.
    if (tlsEnabled(config)) {
      process.on('SIGHUP', () => {
        log.info('SIGHUP: workers reload the TLS certificate');
        for (const w of Object.values(cluster.workers ?? {})) if (w !== undefined && !w.isDead()) w.process.kill('SIGHUP');
      });
    }
  });
}

async function openFillLocks(tmp: string, log: Logger): Promise<Scratch | undefined> {
  const { scratch } = await Scratch.open(tmp);
  const why = cannotLock(scratch.dir);
  if (why === undefined) return scratch;
  await scratch.close();
  log.warn({ dir: tmp, err: why }, 'no lock files can be made here: workers hold each fill through the primary instead (slower cold fills)');
  return undefined;
}
