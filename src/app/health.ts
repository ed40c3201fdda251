// An instance's health from its shared backends: each change is logged once and shown by the
// gomodproxy_backend_available gauge, and /readyz reads the current state (storage down: unready;
// coordinator down, an upstream skipped after repeated failures, or the proxy's own disk full: degraded, until
// a store works or a look for room finds some).
import path from 'node:path';
import type { Logger } from 'pino';
import { parseStorage } from '../config/backends.js';
import type { Config } from '../config/schema.js';
import type { Availability } from '../coord/availability.js';
import type { Metrics } from '../metrics.js';
import type { Readiness } from '../server/ops-routes.js';
import { dataPaths, STORE_STAGING } from '../storage/data-dirs.js';
import type { DiskFull, RoomCheck } from '../storage/local-failures.js';
import { roomProbe } from '../storage/room-probe.js';

/** What a backend going down costs, for the log line. */
const EFFECT: Readonly<Record<string, string>> = {
  coordinator:
    'serving degraded: hits as usual, fills with local singleflight only (duplicate upstream fetches possible), checksum verification on the tree head held in memory',
  storage: 'unready: only what is in memory can be served, everything else is answered 503 with Retry-After',
};

/** The onChange of a backend's Availability: a log line and the gauge. */
export function watchBackend(component: string, log: Logger, metrics: Metrics): (up: boolean, reason: string | undefined) => void {
  metrics.backendAvailable.set({ backend: component }, 1);
  return (up, reason) => {
    metrics.backendAvailable.set({ backend: component }, up ? 1 : 0);
    if (up) log.info({ backend: component }, `the ${component} answers again: back to normal`);
    else log.warn({ backend: component, reason }, `the ${component} cannot be reached; ${EFFECT[component] ?? 'degraded'}`);
  };
}

export function readiness(parts: { readonly storage?: Availability; readonly coordinator: Availability }): () => Readiness {
  const line = (a: Availability) => `${a.component}: unreachable since ${new Date(a.since).toISOString()}: ${a.reason ?? 'no answer'}`;
  return () => ({
    unready: parts.storage !== undefined && !parts.storage.up ? [line(parts.storage)] : [],
    degraded: parts.coordinator.up ? [] : [line(parts.coordinator)],
  });
}

/** An upstream that answers nothing now (its circuit is open). */
export interface SkippedUpstream {
  skipped(): string | undefined;
}

/**
 * Adds the upstreams whose circuit is open as degraded: the instance still serves its cache correctly (and
 * every replica shares the same upstreams, so taking them out of rotation would only turn misses into an outage).
 */
export function withUpstreams(base: () => Readiness, upstreams: readonly SkippedUpstream[]): () => Readiness {
  return () => {
    const r = base();
    // One upstream named in both the public and the private list is one line.
    const skipped = [...new Set(upstreams.map((u) => u.skipped()).filter((why): why is string => why !== undefined))];
    return skipped.length === 0 ? r : { unready: r.unready, degraded: [...r.degraded, ...skipped.map((why) => `upstream: ${why}`)] };
  };
}

/**
 * Adds the proxy's own disk while it is full (ENOSPC, EDQUOT) as degraded: hits are still served, and what must be
 * stored gets 503 with Retry-After. Not unready: a single node would be taken out of rotation with its hits, and a
 * disk that every replica shares (`fs:` storage) is full for all of them at once. A load balancer that should send
 * misses elsewhere sees it in the body and in `X-Gomodproxy-Degraded: disk`.
 */
export function withDisk(base: () => Readiness, full: () => DiskFull | undefined): () => Readiness {
  return () => {
    const r = base();
    const f = full();
    if (f === undefined) return r;
    const line = `disk: full since ${new Date(f.since).toISOString()} (${f.reason}): what must be stored is answered 503 until a store works again or room is found`;
    return { unready: r.unready, degraded: [...r.degraded, line] };
  };
}

/** How often a full disk is asked whether it has room again, while it is full. */
const ROOM_EVERY_MS = 5_000;

/**
 * How the process that keeps the full-disk flag clears it without a store: the local folders the proxy writes to
 * (the data directory's scratch, and an `fs:` storage's staging folder) must have room again.
 */
export function roomCheck(config: Readonly<Config>): RoomCheck {
  const spec = parseStorage(config.storage);
  const dirs = [dataPaths(config.data).tmp, ...(spec.kind === 'fs' ? [path.join(spec.dir, STORE_STAGING)] : [])];
  return { probe: roomProbe(dirs), everyMs: ROOM_EVERY_MS };
}
