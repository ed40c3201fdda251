// Quoting of one environment assignment for each shell or CI file we print (env, doctor fixes).
// Values come from GOPROXY-style lists, which contain `|` and `,`, so every form must quote.

export type EnvFormat = 'sh' | 'fish' | 'powershell' | 'cmd' | 'dockerfile' | 'github' | 'gitlab' | 'go';

export const ENV_FORMATS: readonly EnvFormat[] = ['sh', 'fish', 'powershell', 'cmd', 'dockerfile', 'github', 'gitlab', 'go'];

/** A headline for each format, shown when several are printed together. */
export const FORMAT_TITLES: Readonly<Record<EnvFormat, string>> = {
  sh: 'bash / zsh (this shell; add to ~/.bashrc or ~/.zshrc to keep)',
  fish: 'fish (add to ~/.config/fish/config.fish to keep)',
  powershell: 'PowerShell (this session; add to $PROFILE to keep)',
  cmd: 'cmd.exe (this window; setx NAME "value" keeps it for new windows)',
  dockerfile: 'Dockerfile',
  github: 'GitHub Actions (workflow or job level)',
  gitlab: 'GitLab CI (.gitlab-ci.yml)',
  go: 'go env -w (persists in the go env file, for every shell; environment variables still win)',
};

/** POSIX shell single quotes: nothing inside is special except `'` itself. `,` is quoted too, since the
 * same `go env -w` line is pasted into PowerShell, which reads a bare comma as an array. */
export function shQuote(value: string): string {
  if (/^[A-Za-z0-9_./:@=+-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function fishQuote(value: string): string {
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/** PowerShell verbatim string: `'` doubles, nothing else expands. */
export function psQuote(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Docker ENV double quotes: backslash escapes `\`, `"` and `$` (Docker substitutes variables). */
export function dockerQuote(value: string): string {
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** JSON strings are valid YAML double-quoted scalars. */
export function yamlQuote(value: string): string {
  return JSON.stringify(value);
}

/** Throws on values no format can carry safely (cmd.exe has no escape for `"`). */
export function checkEnvValue(name: string, value: string): void {
  if (/[\r\n"\0]/.test(value)) throw new Error(`${name} value ${JSON.stringify(value)} must not contain quotes or line breaks`);
}

/** One assignment line in `format` (for `go`, a single `go env -w` argument pair). */
export function assignment(format: EnvFormat, name: string, value: string): string {
  switch (format) {
    case 'sh':
      return `export ${name}=${shQuote(value)}`;
    case 'fish':
      return `set -gx ${name} ${fishQuote(value)}`;
    case 'powershell':
      return `$env:${name} = ${psQuote(value)}`;
    case 'cmd':
      return `set "${name}=${value}"`;
    case 'dockerfile':
      return `ENV ${name}=${dockerQuote(value)}`;
    case 'github':
    case 'gitlab':
      return `${name}: ${yamlQuote(value)}`;
    case 'go':
      return `go env -w ${shQuote(`${name}=${value}`)}`;
  }
}

/** The line that removes a variable from the environment (when it overrides the go env file). */
export function unsetLine(format: 'sh' | 'powershell', name: string): string {
  return format === 'sh' ? `unset ${name}` : `Remove-Item Env:${name}`;
}

/** All assignments as one block in `format`, ready to paste. */
export function renderBlock(format: EnvFormat, vars: ReadonlyArray<readonly [string, string]>): string {
  for (const [name, value] of vars) checkEnvValue(name, value);
  const lines = vars.map(([n, v]) => assignment(format, n, v));
  switch (format) {
    case 'github':
      return ['env:', ...lines.map((l) => `  ${l}`)].join('\n');
    case 'gitlab':
      return ['variables:', ...lines.map((l) => `  ${l}`)].join('\n');
    case 'dockerfile':
      return lines.join('\n');
    case 'go':
      return vars.length === 0 ? '' : `go env -w ${vars.map(([n, v]) => shQuote(`${n}=${v}`)).join(' ')}`;
    default:
      return lines.join('\n');
  }
}
