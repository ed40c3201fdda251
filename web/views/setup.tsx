// The Setup view: the `go env -w` lines for this instance, the same settings for shells and CI files (what
// `npx gomodproxy env` prints), and what the proxy is configured with.
import { useState } from 'preact/hooks';
import { useApi } from '../api.js';
import { Code } from '../code.js';
import { bytes, duration } from '../format.js';
import type { Setup } from '../types.js';

export function SetupView() {
  const { data, error } = useApi<Setup>('/api/v1/setup');
  const [format, setFormat] = useState('sh');
  if (data === undefined) return <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  const c = data.config;
  const snippet = data.snippets.find((s) => s.format === format) ?? data.snippets[0];
  const rows: Array<[string, string]> = [
    ['version', c.version],
    ['upstream', c.upstream],
    ['private upstream', c.privateUpstream],
    ['checksum databases', c.sumdbs.length === 0 ? 'off' : c.sumdbs.map((s) => `${s.name} (${s.url})`).join(', ')],
    ['own checksum database', c.ownSumdb === undefined ? 'off' : c.ownSumdb.verifierKey],
    ['storage', c.storage],
    ['processes', c.workers === 1 ? 'one' : `${c.workers} workers`],
    ['listening on', c.listen],
    ['private modules', c.private.length === 0 ? 'none shown' : c.private.join(', ')],
    ['not checked against public databases', c.noSumdb.length === 0 ? 'none shown' : c.noSumdb.join(', ')],
    ['list TTL / negative TTL / memory', `${duration(c.cache.listTTLms)} / ${duration(c.cache.negativeTTLms)} / ${bytes(c.cache.memoryBytes)}`],
  ];
  return (
    <section>
      <h1>Setup</h1>
      <p>
        Point the go command at <span class="mono">{data.url}</span>:
      </p>
      <Code text={data.goEnv.join('\n')} testId="go-env" />
      <ul class="notes">
        {data.notes.map((n) => (
          <li key={n}>{n}</li>
        ))}
      </ul>
      <h2>Shells and CI</h2>
      <nav class="tabs" aria-label="format">
        {data.snippets.map((s) => (
          <button type="button" key={s.format} class={s.format === format ? 'on' : ''} onClick={() => setFormat(s.format)}>
            {s.format}
          </button>
        ))}
      </nav>
      {snippet !== undefined && (
        <>
          <p class="muted">{snippet.title}</p>
          <Code text={snippet.text} />
        </>
      )}
      <h2>This instance</h2>
      <dl class="facts">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd class="mono">{v}</dd>
          </div>
        ))}
      </dl>
      {c.hiddenPatterns > 0 && <p class="muted">{c.hiddenPatterns} module path pattern(s) are not shown to you.</p>}
    </section>
  );
}
