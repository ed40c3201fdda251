// Who runs in a benchmark: the `--contenders` choice expanded into variants (gomodproxy with one and two
// workers when `serve --workers` exists), and what the environment lacks (no ../shared/peers: no peers).
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { BIN } from './gomodproxy.js';
import { peersAvailable, PEERS_DIR, peerVersion } from './peers.js';

/** Also the order of the tables: the practical limit, the peers, gomodproxy, the runtime's yardstick. */
export const CONTENDER_IDS = ['nginx', 'goproxy', 'athens', 'gomodproxy', 'fastify'] as const;
export type ContenderId = (typeof CONTENDER_IDS)[number];

export interface Contender {
  /** Unique key in results: `gomodproxy`, `gomodproxy-w2`, `nginx`, `goproxy`, `athens`, `fastify`, `fastify-w2`. */
  readonly name: string;
  readonly id: ContenderId;
  /** What the tables call it. */
  readonly label: string;
  /** Processes serving requests (`--workers N` for gomodproxy, a cluster for the Fastify yardstick). */
  readonly workers?: number;
}

export interface Lineup {
  readonly contenders: readonly Contender[];
  /** The gomodproxy variant that runs with default settings: the one the targets are judged on. */
  readonly primary?: string;
  readonly workersFlag: boolean;
  /** What was left out and why, for the report. */
  readonly notes: readonly string[];
}

export function parseContenders(list: string | undefined): ContenderId[] {
  if (list === undefined || list.trim() === '') return [...CONTENDER_IDS];
  const ids = list.split(',').map((s) => s.trim().toLowerCase());
  const unknown = ids.filter((s) => !(CONTENDER_IDS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown contender ${unknown.join(', ')}; choose from ${CONTENDER_IDS.join(', ')}`);
  return CONTENDER_IDS.filter((id) => ids.includes(id));
}

/** True when this gomodproxy's `serve --help` offers `--workers`. */
export function hasWorkersFlag(): boolean {
  try {
    const help = execFileSync(process.execPath, [BIN, 'serve', '--help'], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return /^\s*--workers\b/m.test(help);
  } catch (err) {
    // `--help` may exit non-zero after printing: read what it printed.
    const out = `${(err as { stdout?: string }).stdout ?? ''}`;
    return /^\s*--workers\b/m.test(out);
  }
}

export const WORKER_COUNTS = [1, 2] as const;

export function lineup(ids: readonly ContenderId[], workersFlag: boolean, peers = peersAvailable()): Lineup {
  const out: Contender[] = [];
  const notes: string[] = [];
  let primary: string | undefined;
  const cpus = os.availableParallelism();
  for (const id of ids) {
    if (id === 'gomodproxy' && workersFlag) {
      for (const w of WORKER_COUNTS) out.push({ name: `gomodproxy-w${w}`, id, label: `gomodproxy --workers ${w}`, workers: w });
      primary = `gomodproxy-w${Math.min(cpus, Math.max(...WORKER_COUNTS))}`;
    } else if (id === 'gomodproxy') {
      out.push({ name: 'gomodproxy', id, label: 'gomodproxy' });
      primary = 'gomodproxy';
      notes.push('`gomodproxy serve --help` offers no `--workers`: gomodproxy ran once, with its defaults (one process).');
    } else if (id === 'goproxy' || id === 'athens') {
      if (!peers) {
        notes.push(`${id} skipped: ${PEERS_DIR} (start.sh) not found.`);
        continue;
      }
      out.push({ name: id, id, label: `${id === 'goproxy' ? 'goproxy' : 'Athens'} ${peerVersion(id)}` });
    } else if (id === 'fastify') {
      out.push({ name: 'fastify', id, label: 'bare Fastify route', workers: 1 });
      // The yardstick for the two-worker gomodproxy is the same route in two cluster workers.
      if (workersFlag && ids.includes('gomodproxy')) out.push({ name: 'fastify-w2', id, label: 'bare Fastify route, 2 cluster workers', workers: 2 });
    } else {
      out.push({ name: 'nginx', id, label: 'nginx' });
    }
  }
  return { contenders: out, primary, workersFlag, notes };
}
