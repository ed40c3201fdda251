// Import, verifying: every proof in a staged bundle is checked against the checksum-database keys of this
// proxy's configuration (never a key the bundle brings), with the same client the fill path uses, fed only
// from the bundle and what this proxy already holds. A head the proxy trusted before must be proven
// consistent with the bundle's, so a bundle cannot roll a database back or fork it.
import type { SumdbSpec } from '../protocol/gosumdb.js';
import type { BlobStore } from '../storage/blob-store.js';
import { SecurityError } from '../sumdb/client-ops.js';
import { SumdbClient } from '../sumdb/client.js';
import { lookupPath } from '../sumdb/lookup-path.js';
import { open, verifierList } from '../sumdb/note.js';
import { newVerifier } from '../sumdb/note-keys.js';
import { BundleError } from './import-stage.js';
import type { Staged } from './import-stage.js';
import { MANIFEST, sumdbEntry } from './manifest.js';
import { StagedOps } from './staged-ops.js';

export interface VerifyDeps {
  /** The databases this proxy is configured with. */
  readonly specs: readonly SumdbSpec[];
  /**
   * Other proxies' own databases (--bundle-trust): their proofs may vouch for the modules the public ones skip,
   * and when any is trusted, each such module must come with a proof from one of them.
   */
  readonly trust?: readonly SumdbSpec[];
  /** Modules no public database is asked about (--private, --nosumdb). */
  readonly skip: (modulePath: string) => boolean;
  readonly store: (db: string) => BlobStore;
  /** The tree head this proxy trusts for a database now ('' or undefined for none). */
  readonly trusted: (db: string) => Promise<string | undefined>;
}

/** What a verified database adds to this proxy: authenticated files and the head to trust from now on. */
export interface VerifiedDb {
  readonly name: string;
  readonly written: ReadonlyMap<string, Buffer>;
  readonly before: string | undefined;
  readonly latest: string;
}

export async function verifyProofs(s: Staged, deps: VerifyDeps): Promise<VerifiedDb[]> {
  const trust = deps.trust ?? [];
  const specs = new Map([...trust, ...deps.specs].map((d) => [d.name, d]));
  for (const d of s.manifest.databases) {
    if (!specs.has(d.name))
      throw new BundleError(
        MANIFEST,
        `proofs from checksum database ${d.name}, which this proxy is not configured with (--sumdb) and does not trust (--bundle-trust with its key)`,
      );
  }
  const trusted = new Set(trust.map((t) => t.name));
  for (const m of s.modules.values()) {
    const name = `${m.entry.path}@${m.entry.version}`;
    // A proof the manifest claims is checked below only when its database is listed: so it must be.
    const unlisted = m.entry.proofs.find((db) => !s.dbs.has(db));
    if (unlisted !== undefined) throw new BundleError(MANIFEST, `${name} claims a proof from ${unlisted}, a database the bundle does not list`);
    if (deps.skip(m.entry.path)) {
      // Without a proof a private module would rest on the manifest's word alone, once this proxy knows whose word to ask.
      if (trust.length > 0 && !m.entry.proofs.some((db) => trusted.has(db)))
        throw new BundleError(MANIFEST, `${name} is private and comes without a proof from a trusted own checksum database (${[...trusted].join(', ')})`);
      continue;
    }
    // Every module a configured database covers must come with that database's proof.
    for (const spec of deps.specs) {
      if (m.entry.proofs.includes(spec.name)) continue;
      // Vouched for only by an exporter's own database: a --private module there, which this proxy must name too.
      const own = m.entry.proofs.filter((db) => trusted.has(db));
      const hint = own.length === 0 ? '' : ` (only ${own.join(', ')} vouches for it: if it is a private module, give it in --private here too)`;
      throw new BundleError(MANIFEST, `${name} comes without a proof from checksum database ${spec.name}${hint}`);
    }
  }
  const out: VerifiedDb[] = [];
  for (const [name, db] of s.dbs) {
    const spec = specs.get(name) as SumdbSpec;
    const headEntry = sumdbEntry(name, 'latest');
    if (db.head === undefined) throw new BundleError(headEntry, 'missing');
    try {
      open(db.head, verifierList(newVerifier(spec.key)));
    } catch (err) {
      throw new BundleError(headEntry, `not a tree head signed by ${spec.name}'s key: ${(err as Error).message}`);
    }
    const before = await deps.trusted(name);
    const ops = new StagedOps(name, spec.key, db.head, db.records, db.tiles, deps.store(name), before);
    const client = new SumdbClient(ops, { name });
    for (const m of s.modules.values()) {
      if (!m.entry.proofs.includes(name)) continue;
      const { path, version } = m.entry;
      const entry = sumdbEntry(name, lookupPath(path, version).slice(1));
      if (!db.records.has(lookupPath(path, version).slice(1))) throw new BundleError(entry, 'missing');
      let zip: string[];
      let mod: string[];
      try {
        zip = await client.lookup(path, version);
        mod = await client.lookup(path, `${version}/go.mod`);
      } catch (err) {
        const why = err instanceof SecurityError ? `${err.message}\n${ops.securityReport ?? err.report}` : (err as Error).message;
        throw new BundleError(entry, `the proof does not hold: ${why}`);
      }
      if (!zip.includes(`${path} ${version} ${m.entry.zip}`))
        throw new BundleError(entry, `the database records another zip hash than the manifest's ${m.entry.zip}`);
      if (!mod.includes(`${path} ${version}/go.mod ${m.entry.mod}`))
        throw new BundleError(entry, `the database records another go.mod hash than the manifest's ${m.entry.mod}`);
    }
    out.push({ name, written: ops.written, before, latest: ops.latest });
  }
  return out;
}
