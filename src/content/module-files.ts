// Module versions named by a file: a go.sum (exact versions), a go.mod or go.work (their requirements), or
// a list of module@version lines. Shared by warm, bundle export and the pins (--pin-from, pin --from).
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseGoModRequires, parseGoSum, parseGoWork, parseModuleLines, WorkloadError } from '../protocol/module-lists.js';
import type { GoSumHashes } from '../protocol/module-lists.js';
import type { ModuleVersion } from './content-keys.js';

export type FileKind = 'go.sum' | 'go.mod' | 'go.work' | 'list';

export interface NamedVersions {
  readonly kind: FileKind;
  /** With a go.sum, each version's hashes as the go.sum gives them. */
  readonly versions: Array<ModuleVersion & { readonly sums?: GoSumHashes }>;
}

export function kindOf(file: string): FileKind {
  const base = path.basename(file);
  if (base.endsWith('.sum')) return 'go.sum';
  if (base.endsWith('.work')) return 'go.work';
  if (base === 'go.mod' || base.endsWith('.mod')) return 'go.mod';
  return 'list';
}

/** Reads FILE by its name; throws ModuleFileError naming the file and line of a mistake. */
export async function readModuleFile(file: string): Promise<NamedVersions> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ModuleFileError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  const kind = kindOf(file);
  try {
    const parsed =
      kind === 'go.sum'
        ? parseGoSum(text, file)
        : kind === 'go.work'
          ? await parseGoWork(text, path.dirname(file))
          : kind === 'go.mod'
            ? parseGoModRequires(text, file)
            : parseModuleLines(text, file);
    return { kind, versions: parsed.map((m) => ({ path: m.path, version: m.version, ...(m.sums === undefined ? {} : { sums: m.sums }) })) };
  } catch (err) {
    if (err instanceof WorkloadError || (err as NodeJS.ErrnoException).code === 'ENOENT') throw new ModuleFileError((err as Error).message);
    throw err;
  }
}

export class ModuleFileError extends Error {
  override readonly name = 'ModuleFileError';
}
