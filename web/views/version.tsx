// A version's page (/ui/modules/<module path>/@v/<version>): its h1 and go.mod h1 with the checksum
// database that verified each, the own database's record, the go.mod, the zip's files and its LICENSE.
import { useState } from 'preact/hooks';
import { getText, moduleUrl, useApi } from '../api.js';
import { bytes, count, date } from '../format.js';
import { Link } from '../router.js';
import type { FileList, Verdict, VersionDetails } from '../types.js';

function verifiedText(v: Verdict | undefined, own: VersionDetails['ownDb']): string {
  if (v === undefined) return 'not recorded (filled before verification results were kept)';
  if (v.skipped === 'private') return own === undefined ? 'private: not checked against public databases' : `private: own database (${own.name})`;
  if (v.skipped === 'nosumdb') return `not checked against public databases (--nosumdb)${own === undefined ? '' : `; own database (${own.name})`}`;
  if (v.skipped === 'off') return 'not checked: checksum verification is off';
  return `verified by ${v.by.join(', ')}`;
}

function Hash(props: { label: string; h1?: string; verdict?: Verdict; own: VersionDetails['ownDb']; testId: string }) {
  const ok = props.verdict !== undefined && props.verdict.by.length > 0;
  return (
    <div class="hash-row" data-test={props.testId}>
      <dt>{props.label}</dt>
      <dd>
        <span class="mono" data-test="h1">
          {props.h1 ?? 'not cached'}
        </span>
        {props.h1 !== undefined && (
          <span class={`badge ${ok ? 'healthy' : 'idle'}`} data-test="verified-by">
            {ok ? '✓ ' : ''}
            {verifiedText(props.verdict, props.own)}
          </span>
        )}
      </dd>
    </div>
  );
}

function Files(props: { url: string }) {
  const { data, error } = useApi<FileList>(props.url);
  if (data === undefined) return <p class={error ? 'error' : 'muted'}>{error ?? 'Reading the zip…'}</p>;
  return (
    <div class="scroll">
      <table data-test="files">
        <tbody>
          {data.files.map((f) => (
            <tr key={f.name}>
              <td class="mono">{f.name}</td>
              <td class="num">{bytes(f.size)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data.truncated && <p class="muted">The zip holds more files than listed.</p>}
    </div>
  );
}

function License(props: { url: string }) {
  const [text, setText] = useState<string | undefined>();
  const open = (e: Event) => {
    if ((e.target as HTMLDetailsElement).open && text === undefined) getText(props.url).then(setText, (err: Error) => setText(err.message));
  };
  return (
    <details onToggle={open}>
      <summary>LICENSE</summary>
      <pre data-test="license">{text ?? 'Loading…'}</pre>
    </details>
  );
}

export function VersionView(props: { path: string; version: string }) {
  const url = moduleUrl('/api/v1/modules', props.path, props.version);
  const { data, error } = useApi<VersionDetails>(url);
  return (
    <section>
      <p class="crumbs">
        <Link href="/ui/modules">Modules</Link> / <Link href={moduleUrl('/ui/modules', props.path)}>{props.path}</Link> /
      </p>
      <h1 class="mono">
        {props.path}@{props.version}
      </h1>
      {data === undefined ? (
        <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>
      ) : (
        <>
          <dl class="facts">
            <div>
              <dt>published</dt>
              <dd>{date(data.time)}</dd>
            </div>
            <div>
              <dt>zip size</dt>
              <dd>{bytes(data.size)}</dd>
            </div>
            <div>
              <dt>downloads since start</dt>
              <dd>{count(data.downloads)}</dd>
            </div>
            <Hash label="h1 (zip)" h1={data.h1} verdict={data.verified.zip} own={data.ownDb} testId="zip-hash" />
            <Hash label="h1 (go.mod)" h1={data.goModH1} verdict={data.verified.goMod} own={data.ownDb} testId="mod-hash" />
            {data.ownDb !== undefined && (
              <div>
                <dt>own checksum database</dt>
                <dd>{data.ownDb.recorded ? `recorded in ${data.ownDb.name} (record ${data.ownDb.id})` : `not (yet) recorded in ${data.ownDb.name}`}</dd>
              </div>
            )}
          </dl>
          <p>
            <Link href={`/ui/admin?module=${encodeURIComponent(data.path)}&version=${encodeURIComponent(data.version)}`}>
              Purge this version from the cache…
            </Link>
          </p>
          {data.goMod !== undefined && (
            <>
              <h2>go.mod</h2>
              <pre data-test="go-mod">{data.goMod}</pre>
            </>
          )}
          {data.cached.includes('zip') && (
            <>
              <h2>Files</h2>
              <License url={`${url}/license`} />
              <Files url={`${url}/files`} />
            </>
          )}
        </>
      )}
    </section>
  );
}
