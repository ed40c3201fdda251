// /metrics over all worker processes: the worker that is asked requests a sum from the primary, which
// collects every worker's metrics as JSON and aggregates them (prom-client's cluster aggregation).
import { AggregatorRegistry } from 'prom-client';
import type { Channel } from '../coord/ipc.js';
import type { Metrics } from '../metrics.js';

type Message =
  | { readonly t: 'gmp-metrics-req'; readonly id: number }
  | { readonly t: 'gmp-metrics-collect'; readonly id: number }
  | { readonly t: 'gmp-metrics-part'; readonly id: number; readonly json: object[] }
  | { readonly t: 'gmp-metrics-res'; readonly id: number; readonly text?: string; readonly error?: string };

const isMessage = (m: unknown): m is Message => typeof (m as Message | null)?.t === 'string' && (m as Message).t.startsWith('gmp-metrics-');
const COLLECT_TIMEOUT_MS = 3000;

/** Primary side: answers metrics requests from any worker with the sum over all live workers. */
export class MetricsAggregator {
  private readonly workers = new Map<string, Channel>();
  private nextId = 0;
  private readonly collecting = new Map<number, { parts: object[][]; expect: number; done: () => void }>();

  add(id: string, channel: Channel): () => void {
    const onMessage = (m: unknown): void => {
      if (!isMessage(m)) return;
      if (m.t === 'gmp-metrics-req') void this.answer(channel, m.id);
      else if (m.t === 'gmp-metrics-part') {
        const c = this.collecting.get(m.id);
        if (c === undefined) return;
        c.parts.push(m.json);
        if (c.parts.length >= c.expect) c.done();
      }
    };
    channel.on('message', onMessage);
    this.workers.set(id, channel);
    return () => {
      channel.off('message', onMessage);
      this.workers.delete(id);
    };
  }

  private async answer(asker: Channel, reqId: number): Promise<void> {
    const id = ++this.nextId;
    const parts: object[][] = [];
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, COLLECT_TIMEOUT_MS);
      this.collecting.set(id, {
        parts,
        expect: this.workers.size,
        done: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      for (const w of this.workers.values()) send(w, { t: 'gmp-metrics-collect', id });
    });
    this.collecting.delete(id);
    try {
      const text = await AggregatorRegistry.aggregate(parts).metrics();
      send(asker, { t: 'gmp-metrics-res', id: reqId, text });
    } catch (err) {
      send(asker, { t: 'gmp-metrics-res', id: reqId, error: (err as Error).message });
    }
  }
}

/** Worker side: contributes its metrics when collected, and asks the primary for the sum. */
export class ClusterMetrics {
  private nextId = 0;
  private readonly waiting = new Map<number, (m: Extract<Message, { t: 'gmp-metrics-res' }>) => void>();

  constructor(
    private readonly channel: Channel,
    private readonly metrics: Metrics,
  ) {
    channel.on('message', (m: unknown) => {
      if (!isMessage(m)) return;
      if (m.t === 'gmp-metrics-collect') void this.metrics.registry.getMetricsAsJSON().then((json) => send(channel, { t: 'gmp-metrics-part', id: m.id, json }));
      else if (m.t === 'gmp-metrics-res') this.waiting.get(m.id)?.(m);
    });
  }

  /** The Prometheus text of all workers together. */
  text(): Promise<string> {
    const id = ++this.nextId;
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the primary process did not aggregate metrics in time'));
      }, COLLECT_TIMEOUT_MS * 2);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (m.text !== undefined) resolve(m.text);
        else reject(new Error(m.error ?? 'metrics aggregation failed'));
      });
      send(this.channel, { t: 'gmp-metrics-req', id });
    });
  }
}

function send(channel: Channel, m: Message): void {
  try {
    // With a callback, a channel that closed meanwhile reports to it instead of raising an 'error' event.
    channel.send(m, () => undefined);
  } catch {
    // The other side is gone; the asker times out.
  }
}
