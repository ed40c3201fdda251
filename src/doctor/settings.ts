// Reads the effective Go module settings for `gomodproxy doctor`: `go env -json` when go is installed,
// else the environment and the go env file, resolved the way cmd/go/internal/cfg does (env wins unless empty).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

export const DOCTOR_VARS = ['GOPROXY', 'GONOPROXY', 'GOPRIVATE', 'GONOSUMDB', 'GOSUMDB', 'GOINSECURE', 'GOFLAGS', 'GOVCS', 'GOTOOLCHAIN'] as const;
export type DoctorVar = (typeof DOCTOR_VARS)[number];
export type Origin = 'environment' | 'go env file' | 'default';

export interface GoSettings {
  readonly values: Readonly<Record<DoctorVar, string>>;
  readonly origin: Readonly<Record<DoctorVar, Origin>>;
  /** The go env file's own lines, to spot environment variables that hide them. */
  readonly fileValues: Readonly<Record<string, string>>;
  /** Non-empty environment values of the variables above. */
  readonly envValues: Readonly<Record<string, string>>;
  readonly envFile?: string;
  readonly source: 'go env -json' | 'environment';
  readonly goVersion?: string;
  /** Why `go env -json` could not be used, when go exists but failed. */
  readonly goError?: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/** go's own defaults (cfg.go): GONOPROXY and GONOSUMDB default to GOPRIVATE. */
function withDefaults(get: (k: DoctorVar) => string): Record<DoctorVar, string> {
  const v = {} as Record<DoctorVar, string>;
  for (const k of DOCTOR_VARS) v[k] = get(k);
  v.GOPROXY ||= 'https://proxy.golang.org,direct';
  v.GOSUMDB ||= 'sum.golang.org';
  v.GONOPROXY ||= v.GOPRIVATE;
  v.GONOSUMDB ||= v.GOPRIVATE;
  return v;
}

/** The go env file's location, as cfg.EnvFile computes it; undefined for GOENV=off or no config dir. */
export function envFilePath(env: Env, platform: NodeJS.Platform = process.platform): string | undefined {
  if (env.GOENV) return env.GOENV === 'off' ? undefined : env.GOENV;
  let dir: string | undefined;
  if (platform === 'win32') dir = env.AppData;
  else if (platform === 'darwin') dir = env.HOME && path.join(env.HOME, 'Library', 'Application Support');
  else dir = env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : env.HOME && path.join(env.HOME, '.config');
  return dir ? path.join(dir, 'go', 'env') : undefined;
}

/** Parses `NAME=value` lines; like cfg.initEnvCache, anything not starting with A–Z or lacking `=` is skipped. */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const i = line.indexOf('=');
    if (i < 0 || !/^[A-Z]/.test(line)) continue;
    out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

async function readEnvFile(file: string | undefined): Promise<Record<string, string>> {
  if (file === undefined) return {};
  try {
    return parseEnvFile(await readFile(file, 'utf8'));
  } catch {
    return {};
  }
}

function settingsFrom(values: Record<DoctorVar, string>, env: Env, fileValues: Record<string, string>, rest: Partial<GoSettings>): GoSettings {
  const origin = {} as Record<DoctorVar, Origin>;
  const envValues: Record<string, string> = {};
  for (const k of DOCTOR_VARS) {
    const e = env[k];
    if (e) envValues[k] = e;
    origin[k] = e ? 'environment' : fileValues[k] ? 'go env file' : 'default';
  }
  return { values, origin, fileValues, envValues, source: 'environment', ...rest };
}

/** Without go: the environment first (ignoring empty values), then the go env file, then go's defaults. */
export async function settingsFromEnvironment(env: Env, goError?: string): Promise<GoSettings> {
  const envFile = envFilePath(env);
  const file = await readEnvFile(envFile);
  const values = withDefaults((k) => env[k] || file[k] || '');
  return settingsFrom(values, env, file, { envFile, goError });
}

/** Runs `go env -json` with `env`; falls back to settingsFromEnvironment when go is missing or fails. */
export async function loadSettings(env: Env, goBinary = 'go'): Promise<GoSettings> {
  let json: Record<string, string>;
  try {
    json = await runGoEnv(goBinary, env);
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    return settingsFromEnvironment(env, missing ? undefined : (err as Error).message.trim());
  }
  const envFile = json.GOENV || undefined;
  const file = await readEnvFile(envFile);
  // go1.19 does not know GOTOOLCHAIN, so it is missing from its output: read it like any other variable.
  const values = withDefaults((k) => json[k] ?? (env[k] || file[k] || ''));
  return settingsFrom(values, env, file, { envFile, source: 'go env -json', goVersion: json.GOVERSION });
}

function runGoEnv(goBinary: string, env: Env): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    execFile(goBinary, ['env', '-json'], { env: env as NodeJS.ProcessEnv, timeout: 15_000, maxBuffer: 1 << 20 }, (err, stdout, stderr) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') err.message = `go env -json failed: ${stderr || err.message}`;
        reject(err);
        return;
      }
      try {
        resolve(JSON.parse(stdout) as Record<string, string>);
      } catch {
        reject(new Error('go env -json printed something that is not JSON'));
      }
    });
  });
}
