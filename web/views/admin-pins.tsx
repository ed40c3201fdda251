// The Admin view's pinned versions (eviction never removes their zips): the list, pinning a module version
// and unpinning one. Versions from --pin-from files are listed but stay pinned while the server runs with them.
import { useState } from 'preact/hooks';
import { moduleUrl, request, useApi } from '../api.js';
import { ConfirmButton, ModuleVersionInputs, OutcomeLine } from './admin-parts.js';
import type { Outcome } from './admin-parts.js';
import type { PinList, Unpinned } from '../types.js';

export function Pins() {
  const [rev, setRev] = useState(0);
  const [mod, setMod] = useState('');
  const [version, setVersion] = useState('');
  const [result, setResult] = useState<Outcome>();
  const { data, error } = useApi<PinList>('/api/v1/admin/pins', undefined, rev);
  const change = async (method: 'PUT' | 'DELETE', path: string, v: string) => {
    try {
      const res = await request(moduleUrl('/api/v1/admin/pins', path, v), { method });
      const files = method === 'DELETE' ? ((await res.json()) as Unpinned).pinFrom : undefined;
      // Unpinned here, but a --pin-from file of the server still pins it: eviction keeps it, so this is no success.
      setResult(
        files === undefined
          ? { ok: true, text: `${method === 'PUT' ? 'Pinned' : 'Unpinned'} ${path}@${v}.` }
          : { ok: false, text: `Unpinned ${path}@${v} here, but it stays pinned: the server's --pin-from ${files.join(', ')} lists it (remove it there).` },
      );
      if (method === 'PUT') {
        setMod('');
        setVersion('');
      }
    } catch (err) {
      setResult({ ok: false, text: (err as Error).message });
    }
    setRev((r) => r + 1);
  };
  const submit = (e: Event) => {
    e.preventDefault();
    void change('PUT', mod.trim(), version.trim());
  };
  return (
    <div class="panel">
      <h2>Pinned versions</h2>
      <p class="muted">
        Eviction never removes a pinned version's zip (the same pins as <span class="mono">gomodproxy pin</span>).
        {data?.eviction === false && ' This server has neither --cache-max-size nor --cache-min-free, so nothing is evicted yet.'}
      </p>
      <form class="admin-form" onSubmit={submit}>
        <ModuleVersionInputs mod={mod} version={version} setMod={setMod} setVersion={setVersion} label="pin" />
        <button type="submit" disabled={mod.trim() === '' || version.trim() === ''}>
          Pin
        </button>
      </form>
      <OutcomeLine outcome={result} testId="pin-result" />
      {data === undefined ? (
        <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>
      ) : data.pins.length === 0 ? (
        <p class="muted" data-test="no-pins">
          No pinned versions.
        </p>
      ) : (
        <div class="scroll">
          <table data-test="pins">
            <thead>
              <tr>
                <th>module</th>
                <th>version</th>
                <th>pinned by</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.pins.map((p) => (
                <tr key={`${p.module}@${p.version}`}>
                  <td class="mono">{p.module}</td>
                  <td class="mono">{p.version}</td>
                  <td>{p.from === 'pin' ? 'pin' : '--pin-from file'}</td>
                  <td>
                    {p.from === 'pin' && (
                      <ConfirmButton label="Unpin" confirm={`Really unpin ${p.version}?`} onConfirm={() => change('DELETE', p.module, p.version)} />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
