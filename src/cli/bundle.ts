// `gomodproxy bundle export|import`: offline bundles. Export writes the modules of a go.sum (or a list)
// with the checksum proofs that verify them; import, on an air-gapped instance, verifies every byte and
// proof against this configuration's database keys before anything is stored.
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { importDeps, skipsPublicSumdb } from '../app/bundle-import.js';
import { openLocalAccess } from '../app/local-access.js';
import { sumdbSpecs } from '../app/verification.js';
import type { ExportDb } from '../bundle/export-collect.js';
import { exportBundle } from '../bundle/export.js';
import { BundleError } from '../bundle/import-stage.js';
import { isGmpError } from '../errors.js';
import { importBundle } from '../bundle/import.js';
import { ModuleFileError } from '../content/module-files.js';
import { failureList, formatBytes, Progress } from '../content/progress.js';
import { resolveTargets } from '../content/warm.js';
import { httpUrlFlag, reportUsage, UsageError } from './args.js';
import { localFileProblem } from './file-errors.js';
import { configFlagsHelp, withConfig } from './flags.js';
import type { Command } from './io.js';
import { uploadBundle } from './bundle-upload.js';
import { accessFor, CONTENT_FLAGS, contentArgs } from './warm.js';

const USAGE =
  'Usage: gomodproxy bundle export [MODULE@VERSION…] [--from FILE]… -o FILE.tar[.gz] [--url URL] [flags]\n       gomodproxy bundle import FILE [--url URL | --data DIR] [flags]\n';

const HELP = `${USAGE}
export  writes every named version (.info, .mod, .zip, the version lists) and, for each checksum database
        of --sumdb that covers it, the lookup record, a signed tree head and the tiles proving the record,
        plus a manifest with the hash of every artifact. Through --url, or from the data directory --data.
        Private modules come with the proofs of this proxy's own checksum database (--own-sumdb).
import  reads the bundle once, checks every zip by the zip rules, every hash against the manifest, every
        proof against the keys of --sumdb and --bundle-trust (never a key the bundle brings), and then
        stores it all in the data directory --data, or sends it to the proxy running at --url, which
        does the same (an admin token from $GOMODPROXY_TOKEN or .netrc when it asks for one); a bundle
        that fails any check is refused, naming the entry, and nothing of it is stored. Imported
        versions are never evicted. Importing the same bundle again changes nothing.

  --from FILE            go.sum, go.mod, go.work, or a file of module@version lines (repeatable)
  -o, --output FILE      the bundle to write (.tar, or .tar.gz / .tgz for gzip)
  --url URL              export through the gomodproxy running there; import into it (a token from
                         $GOMODPROXY_TOKEN or .netrc; SSL_CERT_FILE or _DIR: a private CA)
  --insecure             import: allow sending the token over plain http to another machine
  -c, --concurrency N    versions collected at once (default 4)

Flags (the same settings as serve):
${configFlagsHelp()}
`;

const runExport = withConfig(
  'bundle export',
  HELP,
  async (config, io, values, positionals) => {
    let args: ReturnType<typeof contentArgs>;
    try {
      args = contentArgs(values, positionals);
      if (typeof values.output !== 'string' || values.output === '') throw new UsageError('name the bundle to write (-o FILE.tar or FILE.tar.gz)');
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(io, 'bundle export', err);
      throw err;
    }
    const out = path.resolve(io.cwd, values.output as string);
    if ((await stat(path.dirname(out)).catch(() => undefined))?.isDirectory() !== true) {
      io.stderr.write(`gomodproxy bundle export: cannot write ${out}: no directory ${path.dirname(out)}\n`);
      return 1;
    }
    const skip = skipsPublicSumdb(config);
    const dbs: ExportDb[] = sumdbSpecs(config).map((s) => ({ name: s.name, key: s.key, covers: (p: string) => !skip(p) }));
    // Private modules travel with the own database's proofs (an importer that trusts its key checks them).
    if (config.ownSumdb.enabled) dbs.push({ name: config.ownSumdb.name, covers: skip, optional: true });
    const access = await accessFor(config, args.url, io);
    try {
      const files = args.files.map((f) => path.resolve(io.cwd, f));
      const resolved = await resolveTargets(access, args.named, files, { concurrency: args.concurrency, signal: io.signal });
      const progress = new Progress(io.stdout, resolved.targets.length, 'exported');
      const result = await exportBundle(access, resolved.targets, dbs, out, { concurrency: args.concurrency, progress, signal: io.signal });
      const failed = [...resolved.failed, ...result.failed];
      if (result.manifest === undefined || failed.length > 0) {
        io.stderr.write(`gomodproxy bundle export: nothing written; ${failureList(failed)}\n`);
        return io.signal?.aborted === true ? 130 : 1;
      }
      progress.finish(false);
      const proofs = result.manifest.databases.map((d) => `${d.name} (tree ${d.tree})`).join(', ');
      io.stdout.write(`wrote ${out}: ${result.manifest.modules.length} module versions; proofs from ${proofs === '' ? 'no checksum database' : proofs}\n`);
      return 0;
    } catch (err) {
      // Its temp files are next to the output, on the same disk: a write that names no file wrote there.
      const problem = err instanceof ModuleFileError ? err.message : localFileProblem(err, out);
      if (problem === undefined) throw err;
      io.stderr.write(`gomodproxy bundle export: ${problem}\n`);
      return 1;
    } finally {
      await access.close();
    }
  },
  { ...CONTENT_FLAGS, output: { type: 'string', short: 'o' } },
  true,
);

/** `FILE: no such file` for the bundle itself, or the one line of localFileProblem (undefined: not a local file's error). */
function missingOrProblem(err: unknown, file: string): string | undefined {
  const e = err as NodeJS.ErrnoException;
  return e.code === 'ENOENT' && e.path === file ? `${file}: no such file` : localFileProblem(err);
}

const runImport = withConfig(
  'bundle import',
  HELP,
  async (config, io, values, positionals) => {
    // Mistakes in the command line first (exit 2), then what the file is (exit 1).
    try {
      if (positionals.length !== 1) throw new UsageError('name one bundle file to import');
      if (values.url !== undefined && values.data !== undefined)
        throw new UsageError('give --url (a running proxy) or --data (a data directory no server uses), not both');
      if (typeof values.url === 'string') httpUrlFlag('--url', values.url);
    } catch (err) {
      if (err instanceof UsageError) return reportUsage(io, 'bundle import', err);
      throw err;
    }
    const file = path.resolve(io.cwd, positionals[0] as string);
    // What the file is, before anything opens the data directory (a new one would be made, with a signer key, for an
    // import that cannot start). A directory reads as an error without its path: say what it is.
    const found = await stat(file).catch((err: unknown) => err as NodeJS.ErrnoException);
    if (found instanceof Error) {
      io.stderr.write(`gomodproxy bundle import: refused, nothing stored: ${missingOrProblem(found, file) ?? `${file}: ${found.message}`}\n`);
      return 1;
    }
    if (found.isDirectory()) {
      io.stderr.write(`gomodproxy bundle import: ${file}: a directory, not a bundle file (.tar or .tar.gz)\n`);
      return 1;
    }
    if (typeof values.url === 'string') return uploadBundle(file, values.url, io, values.insecure === true);
    const access = await openLocalAccess(config);
    const { server } = access;
    let bytes = 0;
    const started = Date.now();
    try {
      const result = await importBundle(
        file,
        importDeps(config, server, (n) => {
          bytes += n;
        }),
      );
      const secs = (Date.now() - started) / 1000;
      io.stdout.write(
        `imported ${file}: ${result.manifest.modules.length} module versions (${result.added} new, ${result.already} already stored), ${formatBytes(bytes)} verified in ${secs.toFixed(1)} s\n`,
      );
      return 0;
    } catch (err) {
      if (err instanceof BundleError) {
        io.stderr.write(`gomodproxy bundle import: ${err.refusal}\n`);
        return 1;
      }
      const problem = missingOrProblem(err, file);
      if (problem !== undefined) {
        io.stderr.write(`gomodproxy bundle import: refused, nothing stored: ${problem}\n`);
        return 1;
      }
      // The coordinator's outage, a lock held too long: the message says what stopped the import and what to do.
      if (isGmpError(err, 'GMP_ERR_COORDINATOR_UNAVAILABLE') || isGmpError(err, 'GMP_ERR_LOCK_WAIT')) {
        io.stderr.write(`gomodproxy bundle import: ${err.message}\n`);
        return 1;
      }
      // Our own disk (full, unwritable) while staging or storing: one line, no stack. What was stored stays
      // verified; importing the same bundle again stores the rest.
      if (!isGmpError(err) || !(err.local || err.code === 'GMP_ERR_LOCAL_IO')) throw err;
      io.stderr.write(`gomodproxy bundle import: ${err.message} (import the same bundle again once that is fixed)\n`);
      return 1;
    } finally {
      await access.close();
    }
  },
  { url: { type: 'string' }, insecure: { type: 'boolean', default: false } },
  true,
);

export const bundle: Command = async (argv, io) => {
  const [sub, ...rest] = argv;
  if (sub === 'export') return runExport(rest, io);
  if (sub === 'import') return runImport(rest, io);
  if (sub === '--help' || sub === '-h' || sub === undefined) {
    (sub === undefined ? io.stderr : io.stdout).write(sub === undefined ? USAGE : HELP);
    return sub === undefined ? 2 : 0;
  }
  return reportUsage(io, 'bundle', new UsageError(`unknown subcommand ${JSON.stringify(sub)}: use export or import`));
};
