// The Admin view: access tokens and pinned versions (shown as not available until this build has them)
// and purging a cached version (/ui/admin?module=…&version=… comes prefilled from a version's page).
import { useState } from 'preact/hooks';
import { moduleUrl, request, useApi } from '../api.js';
import type { Location } from '../router.js';
import type { Admin, Feature } from '../types.js';

function Unavailable(props: { title: string; feature: Feature; what: string }) {
  return (
    <div class="panel">
      <h2>{props.title}</h2>
      {props.feature.available ? (
        <p>{props.what}</p>
      ) : (
        <p class="muted" data-test="not-available">{`${props.title}: ${props.feature.reason ?? 'not available'}.`}</p>
      )}
    </div>
  );
}

function Purge(props: { loc: Location; allowed: boolean }) {
  const [mod, setMod] = useState(props.loc.query.get('module') ?? '');
  const [version, setVersion] = useState(props.loc.query.get('version') ?? '');
  const [armed, setArmed] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!armed) return setArmed(true);
    setArmed(false);
    try {
      const res = await request(moduleUrl('/api/v1/admin/modules', mod.trim(), version.trim()), { method: 'DELETE' });
      const body = (await res.json()) as { deleted: string[] };
      setResult({ ok: true, text: `Purged ${mod}@${version}: deleted ${body.deleted.map((k) => `.${k}`).join(', ')}.` });
    } catch (err) {
      setResult({ ok: false, text: (err as Error).message });
    }
  };
  return (
    <div class="panel">
      <h2>Purge a cached version</h2>
      <p class="muted">
        Deletes the version's .zip, .ziphash, .mod, .info and verification records from storage and from every worker's memory; the next request fills it again.
        The own checksum database keeps its record, and a refill must hash the same.
      </p>
      <form class="purge" onSubmit={submit}>
        <input
          value={mod}
          onInput={(e) => setMod((e.target as HTMLInputElement).value)}
          placeholder="module path"
          aria-label="module path"
          spellcheck={false}
        />
        <input
          value={version}
          onInput={(e) => setVersion((e.target as HTMLInputElement).value)}
          placeholder="version, e.g. v1.2.3"
          aria-label="version"
          spellcheck={false}
        />
        <button type="submit" class={armed ? 'danger' : ''} disabled={!props.allowed || mod.trim() === '' || version.trim() === ''}>
          {armed ? `Really purge ${version}?` : 'Purge'}
        </button>
      </form>
      {result !== undefined && (
        <p class={result.ok ? 'ok' : 'error'} data-test="purge-result">
          {result.text}
        </p>
      )}
    </div>
  );
}

export function AdminView(props: { loc: Location }) {
  const { data, error } = useApi<Admin>('/api/v1/admin');
  if (data === undefined) return <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  return (
    <section>
      <h1>Admin</h1>
      {!data.admin && <p class="warn">You have no admin access: in this build, admin actions are taken only from the machine gomodproxy runs on.</p>}
      <Unavailable title="Access tokens" feature={data.features.tokens} what="Tokens that may read private modules or administer this proxy." />
      <Unavailable title="Pinned versions" feature={data.features.pins} what="Versions kept whatever the upstreams say." />
      <Purge loc={props.loc} allowed={data.admin} />
    </section>
  );
}
