// The Admin view's access tokens: the list (never a secret), a form that creates one and shows its secret
// once with a copy button, and revoking (servers refuse a revoked token within seconds).
import { useState } from 'preact/hooks';
import { request, useApi } from '../api.js';
import { Code } from '../code.js';
import { ConfirmButton, field, OutcomeLine } from './admin-parts.js';
import type { Outcome } from './admin-parts.js';
import { date } from '../format.js';
import type { TokenList, TokenRow } from '../types.js';

/** The day of an ISO time (the whole time is the cell's title). */
const day = (iso: string | undefined) => date(iso).slice(0, 10);

function CreateToken(props: { onCreated: (name: string, secret: string) => void; onError: (text: string) => void }) {
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState('');
  const [expires, setExpires] = useState('');
  const submit = async (e: Event) => {
    e.preventDefault();
    const body = { name: name.trim(), scopes: scopes.split(/\s+/).filter(Boolean), ...(expires.trim() === '' ? {} : { expires: expires.trim() }) };
    try {
      const res = await request('/api/v1/admin/tokens', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const made = (await res.json()) as { token: TokenRow; secret: string };
      props.onCreated(made.token.name, made.secret);
      setName('');
      setScopes('');
      setExpires('');
    } catch (err) {
      props.onError((err as Error).message);
    }
  };
  return (
    <form class="admin-form" onSubmit={submit}>
      <input value={name} onInput={field(setName)} placeholder="name, e.g. ci" aria-label="token name" spellcheck={false} />
      <input
        value={scopes}
        onInput={field(setScopes)}
        placeholder="scopes: read:corp.example.com/* publish:… admin"
        aria-label="token scopes"
        spellcheck={false}
      />
      <input value={expires} onInput={field(setExpires)} placeholder="expires: 90d (empty: never)" aria-label="token lifetime" spellcheck={false} />
      <button type="submit" disabled={name.trim() === '' || scopes.trim() === ''}>
        Create token
      </button>
    </form>
  );
}

export function Tokens() {
  const [rev, setRev] = useState(0);
  const [created, setCreated] = useState<{ name: string; secret: string } | undefined>();
  const [result, setResult] = useState<Outcome>();
  const { data, error } = useApi<TokenList>('/api/v1/admin/tokens', undefined, rev);
  const revoke = async (t: TokenRow) => {
    try {
      await request(`/api/v1/admin/tokens/${encodeURIComponent(t.id)}`, { method: 'DELETE' });
      setResult({ ok: true, text: `Revoked ${t.name}: servers refuse it within seconds.` });
    } catch (err) {
      setResult({ ok: false, text: (err as Error).message });
    }
    setRev((r) => r + 1);
  };
  return (
    <div class="panel">
      <h2>Access tokens</h2>
      <p class="muted">
        Scopes: <span class="mono">read:GLOB</span>, <span class="mono">publish:GLOB</span> (GOPRIVATE syntax) or <span class="mono">admin</span>. The go
        command sends a token as the password in .netrc; only its hash is kept, so a new token is shown once.
      </p>
      <CreateToken
        onCreated={(name, secret) => {
          setCreated({ name, secret });
          setResult(undefined);
          setRev((r) => r + 1);
        }}
        onError={(text) => setResult({ ok: false, text })}
      />
      {created !== undefined && (
        <div class="new-token" data-test="new-token">
          <p class="ok">Token {created.name} created. Copy it now: it is not shown again.</p>
          <Code text={created.secret} testId="token-secret" />
          <button type="button" onClick={() => setCreated(undefined)}>
            Done
          </button>
        </div>
      )}
      <OutcomeLine outcome={result} testId="token-result" />
      {data === undefined ? (
        <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>
      ) : data.tokens.length === 0 ? (
        <p class="muted">No tokens yet.</p>
      ) : (
        <div class="scroll">
          <table data-test="tokens">
            <thead>
              <tr>
                <th>name</th>
                <th>id</th>
                <th>scopes</th>
                <th>created</th>
                <th>expires</th>
                <th>status</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.tokens.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td class="mono">{t.id}</td>
                  <td class="mono wrap">{t.scopes.join(' ')}</td>
                  <td title={date(t.created)}>{day(t.created)}</td>
                  <td title={date(t.expires)}>{t.expires === undefined ? 'never' : day(t.expires)}</td>
                  <td data-test="token-status" title={date(t.revoked)}>
                    {t.status === 'revoked' ? `revoked ${day(t.revoked)}` : t.status}
                  </td>
                  <td>{t.status === 'active' && <ConfirmButton label="Revoke" confirm={`Really revoke ${t.name}?`} onConfirm={() => revoke(t)} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
