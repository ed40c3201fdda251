// The Admin view: the token this tab uses, access tokens and pinned versions (admin-tokens.tsx,
// admin-pins.tsx) and purging a cached version (/ui/admin?module=…&version=… comes prefilled from a version's page).
import { useState } from 'preact/hooks';
import { moduleUrl, request, savedToken, saveToken, useApi } from '../api.js';
import type { Location } from '../router.js';
import type { Admin, Feature } from '../types.js';
import { field, ModuleVersionInputs, OutcomeLine } from './admin-parts.js';
import type { Outcome } from './admin-parts.js';
import { Pins } from './admin-pins.js';
import { Tokens } from './admin-tokens.js';

/** The token this tab sends with API requests: kept in sessionStorage (this tab only), never put in a URL. */
function TokenField(props: { using?: string }) {
  const [value, setValue] = useState('');
  const saved = savedToken() !== undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    saveToken(value.trim());
    setValue('');
  };
  return (
    <div class="panel">
      <h2>Your token</h2>
      <form class="admin-form" onSubmit={submit}>
        <input
          type="password"
          value={value}
          onInput={field(setValue)}
          placeholder={saved ? 'a token is in use; paste another to replace it' : 'paste an admin token (gmp_…)'}
          aria-label="admin token"
          autocomplete="off"
          spellcheck={false}
        />
        <button type="submit" disabled={value.trim() === ''}>
          Use token
        </button>
        {saved && (
          <button type="button" onClick={() => saveToken('')}>
            Forget token
          </button>
        )}
      </form>
      <p class="muted" data-test="token-state">
        {saved
          ? `${props.using === undefined ? 'A token is kept for this tab.' : `Using token ${props.using} in this tab.`} It is sent as an Authorization: Bearer header with the dashboard's requests and forgotten when the tab closes.`
          : props.using === undefined
            ? 'No token: the dashboard sends none.'
            : // Nothing kept here, yet the server saw a token: the browser's own login (--auth all asks every page for one).
              `No token kept in this tab: the dashboard's requests carry token ${props.using}, the one this browser signed in with (HTTP Basic). A token pasted here is sent instead.`}
      </p>
    </div>
  );
}

function Unavailable(props: { title: string; feature: Feature }) {
  return (
    <div class="panel">
      <h2>{props.title}</h2>
      <p class="muted" data-test="not-available">{`${props.title}: ${props.feature.reason ?? 'not available'}.`}</p>
    </div>
  );
}

/** Why this request may not administer, by the rule of src/dashboard/access.ts: an admin token, or this machine itself. */
function NoAdmin(props: { tokensAccepted: boolean; token?: string }) {
  const here = 'open the dashboard on the machine gomodproxy runs on (straight to it, not through a reverse proxy)';
  return (
    <p class="warn" data-test="no-admin">
      {!props.tokensAccepted
        ? 'You have no admin access: this server runs without --auth, so admin actions are taken only from the machine gomodproxy runs on.'
        : props.token === undefined
          ? `You have no admin access: use an admin token above (gomodproxy token create --name NAME --scope admin), or ${here}.`
          : `You have no admin access: token ${props.token} has no admin scope. Paste an admin token above (gomodproxy token create --name NAME --scope admin), or ${here}.`}
    </p>
  );
}

function Purge(props: { loc: Location; allowed: boolean }) {
  const [mod, setMod] = useState(props.loc.query.get('module') ?? '');
  const [version, setVersion] = useState(props.loc.query.get('version') ?? '');
  const [armed, setArmed] = useState(false);
  const [result, setResult] = useState<Outcome>();
  const submit = async (e: Event) => {
    e.preventDefault();
    if (!armed) return setArmed(true);
    setArmed(false);
    try {
      const res = await request(moduleUrl('/api/v1/admin/modules', mod.trim(), version.trim()), { method: 'DELETE' });
      const body = (await res.json()) as { deleted: string[]; bundled?: true };
      // An imported version's mark goes too: a refill is not the bundle's, and eviction may remove it.
      const mark = body.bundled === true ? ' It was imported from a bundle: filled again, it is no longer kept from eviction.' : '';
      setResult({ ok: true, text: `Purged ${mod}@${version}: deleted ${body.deleted.map((k) => `.${k}`).join(', ')}.${mark}` });
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
        <ModuleVersionInputs mod={mod} version={version} setMod={setMod} setVersion={setVersion} />
        <button type="submit" class={armed ? 'danger' : ''} disabled={!props.allowed || mod.trim() === '' || version.trim() === ''}>
          {armed ? `Really purge ${version}?` : 'Purge'}
        </button>
      </form>
      <OutcomeLine outcome={result} testId="purge-result" />
    </div>
  );
}

export function AdminView(props: { loc: Location }) {
  const { data, error } = useApi<Admin>('/api/v1/admin');
  return (
    <section>
      <h1>Admin</h1>
      <TokenField using={data?.token} />
      {error !== undefined && <p class="error">{error}</p>}
      {data === undefined ? (
        error === undefined && <p class="muted">Loading…</p>
      ) : (
        <>
          {!data.admin && <NoAdmin tokensAccepted={data.tokensAccepted} token={data.token} />}
          {data.admin && (data.features.tokens.available ? <Tokens /> : <Unavailable title="Access tokens" feature={data.features.tokens} />)}
          {data.admin && (data.features.pins.available ? <Pins /> : <Unavailable title="Pinned versions" feature={data.features.pins} />)}
          <Purge loc={props.loc} allowed={data.admin} />
        </>
      )}
    </section>
  );
}
