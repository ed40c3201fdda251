// Talking to /api/v1/ from the views: JSON reads that throw the server's plain-text reason, module URLs
// with each path segment encoded, and a hook that loads (and optionally keeps refreshing) one answer.
import { useEffect, useState } from 'preact/hooks';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function request(path: string, init?: RequestInit): Promise<Response> {
  const res = await fetch(path, { ...init, headers: { accept: 'application/json', ...init?.headers } });
  if (!res.ok) throw new ApiError(res.status, (await res.text()).trim() || `${res.status} ${res.statusText}`);
  return res;
}

export const getJson = async <T>(path: string): Promise<T> => (await request(path)).json() as Promise<T>;
export const getText = async (path: string): Promise<string> => (await request(path)).text();

/** `/api/v1/modules/<module path>[/@v/<version>]`, or the same under /ui/modules/. */
export function moduleUrl(base: '/api/v1/modules' | '/api/v1/admin/modules' | '/ui/modules', path: string, version?: string): string {
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

/** Loads `url` (null: nothing to load), again whenever it changes and every `refreshMs` if given. */
export function useApi<T>(url: string | null, refreshMs?: number): Loaded<T> {
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
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [url, refreshMs]);
  return state;
}
