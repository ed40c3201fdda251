// A module's page (/ui/modules/<module path>): every cached version with its time, size, downloads and h1,
// marked retracted or deprecated as the module's newest go.mod says.
import { moduleUrl, useApi } from '../api.js';
import { bytes, count, date } from '../format.js';
import { Link } from '../router.js';
import type { ModuleDetails } from '../types.js';

export function ModuleView(props: { path: string }) {
  const { data, error } = useApi<ModuleDetails>(moduleUrl('/api/v1/modules', props.path));
  return (
    <section>
      <p class="crumbs">
        <Link href="/ui/modules">Modules</Link> /
      </p>
      <h1 class="mono">{props.path}</h1>
      {data === undefined ? (
        <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>
      ) : (
        <>
          {data.deprecated !== undefined && (
            <p class="warn" data-test="deprecated">
              Deprecated: {data.deprecated}
            </p>
          )}
          {data.notesFrom !== undefined && <p class="muted">Retractions and deprecation as the go.mod of {data.notesFrom} (the newest cached) says.</p>}
          <div class="scroll">
            <table data-test="versions">
              <thead>
                <tr>
                  <th>version</th>
                  <th>published</th>
                  <th class="num">zip size</th>
                  <th class="num">downloads</th>
                  <th>h1</th>
                </tr>
              </thead>
              <tbody>
                {data.versions.map((v) => (
                  <tr key={v.version}>
                    <td>
                      <Link href={moduleUrl('/ui/modules', data.path, v.version)} class="mono">
                        {v.version}
                      </Link>
                      {v.retracted && <span class="badge open">retracted</span>}
                    </td>
                    <td>{date(v.time)}</td>
                    <td class="num">{bytes(v.size)}</td>
                    <td class="num">{count(v.downloads)}</td>
                    <td class="mono hash" title={v.h1}>
                      {v.h1 ?? (v.cached.includes('zip') ? '–' : 'zip not cached')}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {data.versions.length === 0 && <p class="muted">Only the version list is cached; no version yet.</p>}
          {data.truncated && <p class="muted">More versions are cached than shown.</p>}
        </>
      )}
    </section>
  );
}
