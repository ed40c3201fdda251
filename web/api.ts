// Talking to /api/v1/ from the views: JSON reads that throw the server's plain-text reason, module URLs
// with each path segment encoded, and a hook that loads (and optionally keeps refreshing) one answer. A token
// entered in the Admin view is kept for this tab (sessionStorage) and sent as a Bearer header, never in a URL.
import { useEffect, useState } from 'preact/hooks';

const TOKEN_KEY = 'gomodproxy.token';
const TOKEN_CHANGED = 'gmp:token';

export function savedToken(): string | undefined {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? undefined;
  } catch {
    return undefined; // storage off (some private modes): no token, the pages still work
  }
}

/** Keeps (or, with '', forgets) the token and reloads every view's data with it. */
export function saveToken(token: string): void {
  try {
    if (token === '') sessionStorage.removeItem(TOKEN_KEY);
    else sessionStorage.setItem(TOKEN_KEY, token);
  } catch {
    // see savedToken
  }
  window.dispatchEvent(new Event(TOKEN_CHANGED));
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function request(path: string, init?: RequestInit): Promise<Response> {
  const token = savedToken();
  const auth: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...auth, ...init?.headers } });
  if (!res.ok) throw new ApiError(res.status, (await res.text()).trim() || `${res.status} ${res.statusText}`);
  return res;
}

export const getJson = async <T>(path: string): Promise<T> => (await request(path)).json() as Promise<T>;
export const getText = async (path: string): Promise<string> => (await request(path)).text();

/** `/api/v1/modules/<module path>[/@v/<version>]`, or the same under /ui/modules/. */
export function moduleUrl(base: '/api/v1/modules' | '/api/v1/admin/modules' | '/api/v1/admin/pins' | '/ui/modules', path: string, version?: string): string {
  const enc = path.split('/').map(encodeURIComponent).join('/');
  return version === undefined ? `${base}/${enc}` : `${base}/${enc}/@v/${encodeURIComponent(version)}`;
}

export interface Loaded<T> {
  readonly data?: T;
  readonly error?: string;
  readonly loading: boolean;
  /** When the data last arrived. */
  readonly at?: Date;
}

/** Loads `url` (null: nothing to load), again whenever it, `rev` or the token changes, and every `refreshMs` if given. */
export function useApi<T>(url: string | null, refreshMs?: number, rev = 0): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ loading: url !== null });
  useEffect(() => {
    if (url === null) return;
    let live = true;
    const load = () =>
      getJson<T>(url).then(
        (data) => live && setState({ data, loading: false, at: new Date() }),
        (err: Error) => live && setState((s) => ({ ...s, error: err.message, loading: false })),
      );
    setState((s) => ({ data: s.data, loading: true }));
    void load();
    const timer = refreshMs === undefined ? undefined : setInterval(load, refreshMs);
    window.addEventListener(TOKEN_CHANGED, load);
    return () => {
      live = false;
      clearInterval(timer);
      window.removeEventListener(TOKEN_CHANGED, load);
    };
  }, [url, refreshMs, rev]);
  return state;
}
