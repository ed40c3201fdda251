// Looks up each benchmarked module version in the checksum database (§7.1), directly or through an
// endpoint's /sumdb/<name>/ relay (§1.8), checking the signed tree note with the database's key (§7.2).
import { request } from 'undici';
import type { Dispatcher } from 'undici';
import type { SumdbSpec } from '../protocol/gosumdb.js';
import { escapePath, escapeVersion } from '../protocol/escape.js';
import { newVerifier } from '../sumdb/note-keys.js';
import { open, verifierList } from '../sumdb/note.js';
import { makeAgent } from './client.js';
import type { ModuleVersion } from '../protocol/module-lists.js';

export interface SumdbSums {
  readonly zip?: string;
  readonly mod?: string;
}

export interface SumdbOutcome {
  readonly name: string;
  /** Where the answers came from (the database or a relay); undefined when nothing answered. */
  readonly base?: string;
  readonly records: Map<string, SumdbSums>;
  /** Module versions the database does not know (404/410), e.g. private ones. */
  readonly unknown: string[];
  readonly error?: string;
}

export interface SumdbLookupOptions {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** Use only spec.url (GOSUMDB gave an explicit URL); otherwise relays are tried after it. */
  readonly explicitURL: boolean;
  /** Benchmarked http(s) endpoints, whose relays are tried when the database itself does not answer. */
  readonly relays: readonly string[];
  readonly env?: Readonly<Record<string, string | undefined>>;
}

export async function lookupSums(spec: SumdbSpec, items: readonly ModuleVersion[], opts: SumdbLookupOptions): Promise<SumdbOutcome> {
  const bases = opts.explicitURL ? [spec.url] : [spec.url, ...opts.relays.map((r) => `${r}/sumdb/${spec.name}`)];
  const verifiers = verifierList(newVerifier(spec.key));
  const agent = makeAgent(opts.env ?? {}, { connections: 4 });
  const out: SumdbOutcome & { base?: string; error?: string } = { name: spec.name, records: new Map(), unknown: [] };
  const errors: string[] = [];
  try {
    for (const m of items) {
      if (opts.signal?.aborted) break;
      const key = `${m.path}@${m.version}`;
      let answered = false;
      for (const base of out.base !== undefined ? [out.base] : bases) {
        // §1.8: a proxy relays the database only if it answers 200 for <proxy>/sumdb/<name>/supported.
        const res = await (base === spec.url || base === out.base ? lookupOne(agent, base, m, opts) : relayLookup(agent, base, m, opts)).catch(
          (err: Error) => err,
        );
        if (res instanceof Error) {
          errors.push(`${base}: ${res.message}`);
          continue;
        }
        out.base = base;
        answered = true;
        if (res === 'unknown') out.unknown.push(key);
        else out.records.set(key, parseRecord(res, m, verifiers, base));
        break;
      }
      // Nothing answered: do not wait out the timeout once per module.
      if (!answered) {
        out.error = `the checksum database ${spec.name} could not be consulted (${errors.join('; ')})`;
        break;
      }
    }
  } catch (err) {
    out.error = (err as Error).message;
  } finally {
    await agent.close();
  }
  return out;
}

async function relayLookup(agent: Dispatcher, base: string, m: ModuleVersion, opts: SumdbLookupOptions): Promise<string | 'unknown'> {
  const res = await request(`${base}/supported`, { dispatcher: agent, signal: signalFor(opts) });
  await res.body.dump();
  if (res.statusCode !== 200) throw new Error(`does not relay the checksum database (HTTP ${res.statusCode})`);
  return lookupOne(agent, base, m, opts);
}

function signalFor(opts: SumdbLookupOptions): AbortSignal {
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  return opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
}

async function lookupOne(agent: Dispatcher, base: string, m: ModuleVersion, opts: SumdbLookupOptions): Promise<string | 'unknown'> {
  // Lookup URLs carry a literal `!` (§1.1), unlike proxy URLs.
  const res = await request(`${base}/lookup/${escapePath(m.path)}@${escapeVersion(m.version)}`, { dispatcher: agent, signal: signalFor(opts) });
  const body = await res.body.text();
  if (res.statusCode === 404 || res.statusCode === 410) return 'unknown';
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  return body;
}

/**
 * `<id>\n<record text>\n<signed note>`: the note must carry a valid signature by the database's key.
 * Inclusion of the record in the signed tree is not proved here (bench compares, it does not install).
 */
function parseRecord(body: string, m: ModuleVersion, verifiers: ReturnType<typeof verifierList>, base: string): SumdbSums {
  const idEnd = body.indexOf('\n');
  const split = body.indexOf('\n\n', idEnd);
  if (idEnd < 0 || split < 0 || !/^\d+$/.test(body.slice(0, idEnd))) throw new Error(`${base} sent a malformed lookup answer for ${m.path}@${m.version}`);
  try {
    open(body.slice(split + 2), verifiers);
  } catch (err) {
    throw new Error(`${base} sent a lookup answer for ${m.path}@${m.version} that fails verification: ${(err as Error).message}`);
  }
  let zip: string | undefined;
  let mod: string | undefined;
  for (const line of body.slice(idEnd + 1, split + 1).split('\n')) {
    const [p, v, h] = line.split(' ');
    if (p !== m.path || h === undefined) continue;
    if (v === m.version) zip = h;
    else if (v === `${m.version}/go.mod`) mod = h;
  }
  return { zip, mod };
}
