// The Ops view: the whole server's traffic, hit ratio, fills, upstream states, verifications, refreshed
// every few seconds; charts over the last 30 minutes or 24 hours (?window=hours).
import { useApi } from '../api.js';
import { Chart, color } from '../chart.js';
import { bytes, count, duration, percent, rate } from '../format.js';
import { Link } from '../router.js';
import type { Location } from '../router.js';
import type { FeedState, Ops, StorageState, UpstreamRow } from '../types.js';

const REFRESH_MS = 5000;

function Card(props: { label: string; value: string; note?: string; testId?: string; tone?: 'bad' | 'good' }) {
  return (
    <div class={`card ${props.tone ?? ''}`} data-test={props.testId}>
      <div class="label">{props.label}</div>
      <div class="value">{props.value}</div>
      {props.note !== undefined && <div class="note">{props.note}</div>}
    </div>
  );
}

const STATE_TEXT: Record<UpstreamRow['state'], string> = {
  healthy: 'healthy',
  idle: 'idle (no requests yet)',
  'half-open': 'probing (half-open)',
  open: 'circuit open',
};

function Upstreams(props: { rows: readonly UpstreamRow[] }) {
  return (
    <div class="scroll">
      <table data-test="upstreams">
        <thead>
          <tr>
            <th>source</th>
            <th>list</th>
            <th>state</th>
            <th class="num">requests</th>
            <th class="num">errors</th>
            <th class="num">mean latency</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((u) => (
            <tr key={u.name}>
              <td class="mono">{u.name}</td>
              <td>{u.list}</td>
              <td>
                <span class={`badge ${u.state}`} data-test="upstream-state">
                  {STATE_TEXT[u.state]}
                </span>
              </td>
              <td class="num">{count(u.requests)}</td>
              <td class="num">{count(u.errors)}</td>
              <td class="num">{u.meanLatencyMs === null ? '–' : `${u.meanLatencyMs} ms`}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** --cache-min-free as configured, and in bytes when the file system's size is known. */
function minFreeText(min: NonNullable<StorageState['minFree']>, disk: StorageState['disk']): string {
  if ('bytes' in min) return bytes(min.bytes);
  return disk === undefined ? `${min.percent} %` : `${min.percent} % (${bytes((disk.size * min.percent) / 100)})`;
}

/** Only measured figures: the store's size at the last eviction check (never an estimate), the disk's space now. */
function StorageCard(props: { storage: StorageState }) {
  const { cap, minFree, measured, disk, localFiles } = props.storage;
  const free = disk === undefined ? undefined : `${bytes(disk.available)} of ${bytes(disk.size)} free on its file system now`;
  const keeps = minFree === undefined ? undefined : `evicts when the file system has less than ${minFreeText(minFree, disk)} free`;
  const checked = measured === undefined ? undefined : `at the last eviction check, ${new Date(measured.at).toLocaleTimeString()}`;
  const notes: Array<string | undefined> = [];
  let label = 'storage used / cap';
  let value: string;
  if (cap !== undefined) {
    value = `${measured === undefined ? '–' : bytes(measured.bytes)} / ${bytes(cap.bytes)}`;
    notes.push(checked ?? 'not measured yet (by the first eviction check)', `evicts above ${cap.highPercent} % down to ${cap.lowPercent} %`, keeps, free);
  } else if (minFree !== undefined) {
    label = 'storage';
    value = 'no size cap';
    notes.push(keeps, free, measured === undefined ? undefined : `${bytes(measured.bytes)} cached ${checked}`);
  } else {
    label = 'storage';
    value = 'eviction off';
    notes.push(localFiles ? 'no --cache-max-size, and --cache-min-free 0' : 'no --cache-max-size (--cache-min-free does nothing with s3:// storage)', free);
  }
  const tone = cap !== undefined && measured !== undefined && measured.bytes > cap.bytes ? 'bad' : undefined;
  return <Card label={label} value={value} note={notes.filter((n) => n !== undefined).join('; ')} testId="storage" tone={tone} />;
}

function FeedCard(props: { feed: FeedState }) {
  const f = props.feed;
  const stored = f.entries.stored ?? 0;
  const state = f.following
    ? f.refused
      ? 'the parent refuses this follower (401/403: fix its credentials); retrying, nothing skipped'
      : f.lagSeconds === undefined
        ? 'followed here; lag not measured yet'
        : 'followed here'
    : 'no process of this server follows it now (another replica holds its lease, or it is changing hands)';
  const value = f.following && f.lagSeconds !== undefined ? duration(f.lagSeconds * 1000) : '–';
  return (
    <Card
      label="follow lag"
      value={value}
      note={`${f.feed}: ${state}; ${count(stored)} stored, ${count(f.errors)} errors`}
      testId="follow"
      tone={f.refused ? 'bad' : undefined}
    />
  );
}

export function OpsView(props: { loc: Location }) {
  const window = props.loc.query.get('window') === 'hours' ? 'hours' : 'minutes';
  const { data, error, at } = useApi<Ops>(`/api/v1/ops?window=${window}`, REFRESH_MS);
  if (data === undefined) return <p class={error ? 'error' : 'muted'}>{error ?? 'Loading…'}</p>;
  const { now, series: s } = data;
  const lastRequests = s.requests.at(-1);
  const upNames = Object.keys(s.upstreams);
  return (
    <section>
      <div class="bar">
        <h1>Ops</h1>
        <nav class="tabs" aria-label="time window">
          <Link href="/ui/ops" class={window === 'minutes' ? 'on' : ''}>
            last 30 minutes
          </Link>
          <Link href="/ui/ops?window=hours" class={window === 'hours' ? 'on' : ''}>
            last 24 hours
          </Link>
        </nav>
      </div>
      <p class="muted">
        {data.processes} process{data.processes === 1 ? '' : 'es'}, up {duration(Date.now() - data.startedAt)}; updated {at?.toLocaleTimeString() ?? '–'}
        {error !== undefined && <span class="error"> (last refresh failed: {error})</span>}
      </p>
      <div class="cards">
        <Card label="requests / s" value={lastRequests === undefined ? '–' : rate(lastRequests, s.intervalMs)} note={`${count(now.requests)} since start`} />
        <Card label="hit ratio" value={percent(data.hitRatio)} note={`${count(now.hits)} hits, ${count(now.misses)} misses`} testId="hit-ratio" />
        <Card label="fills in flight" value={count(now.fillsInFlight)} />
        <Card label="server errors (5xx)" value={count(now.errors)} tone={now.errors > 0 ? 'bad' : undefined} />
        <Card label="served" value={bytes(now.bytes)} />
        <Card
          label="checksum verifications"
          value={count(now.verified)}
          note={`${count(now.mismatches)} mismatches, ${count(now.verifyErrors)} errors`}
          tone={now.mismatches > 0 ? 'bad' : undefined}
        />
        <StorageCard storage={data.storage} />
        {data.follow.length === 0 ? (
          <Card label="follow lag" value="–" note="not following a feed (--follow)" testId="follow" />
        ) : (
          data.follow.map((f) => <FeedCard key={f.feed} feed={f} />)
        )}
      </div>
      <h2>Upstreams and checksum databases</h2>
      <Upstreams rows={data.upstreams} />
      <div class="charts">
        <Chart
          title="requests per second"
          t={s.t}
          lines={[
            { label: 'requests/s', values: s.requests.map((n) => n / (s.intervalMs / 1000)), color: color(0) },
            { label: '5xx/s', values: s.errors.map((n) => n / (s.intervalMs / 1000)), color: color(2) },
          ]}
        />
        <Chart
          title="hit ratio (%)"
          t={s.t}
          yMax={100}
          lines={[{ label: 'hit ratio', values: s.hitRatio.map((r) => (r === null ? null : r * 100)), color: color(1), unit: ' %' }]}
        />
        <Chart
          title="upstream latency (mean, ms)"
          t={s.t}
          lines={upNames.map((n, i) => ({ label: n, values: s.upstreams[n]?.latencyMs ?? [], color: color(i), unit: ' ms' }))}
        />
        <Chart
          title="upstream errors and verifications"
          t={s.t}
          lines={[
            ...upNames.map((n, i) => ({ label: `${n} errors`, values: s.upstreams[n]?.errors ?? [], color: color(i + 2) })),
            { label: 'verified', values: s.verified, color: color(1) },
            { label: 'mismatches', values: s.mismatches, color: color(2) },
          ]}
        />
        <Chart title="fills in flight (peak)" t={s.t} lines={[{ label: 'fills', values: s.fills, color: color(3) }]} />
      </div>
    </section>
  );
}
