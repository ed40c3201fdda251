// One question to every worker of `serve --workers N`: a worker asks the primary, the primary sends the
// question to every live worker, gathers their parts (waiting at most a few seconds) and answers with what
// it makes of them. Messages carry a prefix, so several such conversations share the IPC channel.
import type { Channel } from '../coord/ipc.js';

interface Message {
  readonly t: string;
  readonly id: number;
  readonly q?: unknown;
  readonly value?: unknown;
  readonly error?: string;
}

const GATHER_TIMEOUT_MS = 3000;

const isMessage = (m: unknown, prefix: string): m is Message =>
  typeof (m as Message | null)?.t === 'string' && (m as Message).t.startsWith(`${prefix}-`) && typeof (m as Message).id === 'number';

function send(channel: Channel, m: Message): void {
  try {
    // With a callback, a channel that closed meanwhile reports to it instead of raising an 'error' event.
    channel.send(m, () => undefined);
  } catch {
    // The other side is gone; whoever waits times out.
  }
}

/** Primary side. `answer` turns a worker's question into the reply, gathering from every worker as it needs. */
export class GatherHub {
  private readonly workers = new Map<string, Channel>();
  private readonly waiting = new Map<number, { parts: Map<string, unknown>; done: () => void }>();
  private nextId = 0;

  constructor(
    private readonly prefix: string,
    private readonly answer: (q: unknown) => Promise<unknown>,
    /** Whether the parts gathered so far already settle the question (the rest are not waited for). */
    private readonly enough?: (parts: ReadonlyMap<string, unknown>) => boolean,
  ) {}

  add(id: string, channel: Channel): () => void {
    const onMessage = (m: unknown): void => {
      if (!isMessage(m, this.prefix)) return;
      if (m.t === `${this.prefix}-ask`) {
        this.answer(m.q).then(
          (value) => send(channel, { t: `${this.prefix}-answer`, id: m.id, value }),
          (err: unknown) => send(channel, { t: `${this.prefix}-answer`, id: m.id, error: (err as Error).message }),
        );
      } else if (m.t === `${this.prefix}-part`) {
        const w = this.waiting.get(m.id);
        if (w === undefined || m.error !== undefined) return;
        w.parts.set(id, m.value);
        if (w.parts.size >= this.workers.size || this.enough?.(w.parts) === true) w.done();
      }
    };
    channel.on('message', onMessage);
    this.workers.set(id, channel);
    return () => {
      channel.off('message', onMessage);
      this.workers.delete(id);
    };
  }

  /** Every live worker's part, by worker id; a worker that does not answer in time is left out. */
  async gather(q: unknown): Promise<Map<string, unknown>> {
    const id = ++this.nextId;
    const parts = new Map<string, unknown>();
    if (this.workers.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, GATHER_TIMEOUT_MS);
        this.waiting.set(id, {
          parts,
          done: () => {
            clearTimeout(timer);
            resolve();
          },
        });
        for (const w of this.workers.values()) send(w, { t: `${this.prefix}-collect`, id, q });
      });
    }
    this.waiting.delete(id);
    return parts;
  }
}

/** Worker side: contributes its part when the primary collects, and asks the primary questions. */
export class GatherPeer {
  private readonly waiting = new Map<number, (m: Message) => void>();
  private nextId = 0;
  private readonly onMessage: (m: unknown) => void;

  constructor(
    private readonly prefix: string,
    private readonly channel: Channel,
    part: (q: unknown) => Promise<unknown>,
  ) {
    this.onMessage = (m) => {
      if (!isMessage(m, prefix)) return;
      if (m.t === `${prefix}-collect`)
        part(m.q).then(
          (value) => send(channel, { t: `${prefix}-part`, id: m.id, value }),
          (err: unknown) => send(channel, { t: `${prefix}-part`, id: m.id, error: (err as Error).message }),
        );
      else if (m.t === `${prefix}-answer`) this.waiting.get(m.id)?.(m);
    };
    channel.on('message', this.onMessage);
  }

  ask(q: unknown): Promise<unknown> {
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new Error('the primary process did not answer in time'));
      }, GATHER_TIMEOUT_MS * 2);
      this.waiting.set(id, (m) => {
        clearTimeout(timer);
        this.waiting.delete(id);
        if (m.error === undefined) resolve(m.value);
        else reject(new Error(m.error));
      });
      send(this.channel, { t: `${this.prefix}-ask`, id, q });
    });
  }

  /** Stops listening; questions still waiting fail now. */
  close(): void {
    this.channel.off('message', this.onMessage);
    for (const answered of [...this.waiting.values()]) answered({ t: `${this.prefix}-answer`, id: 0, error: 'closed' });
  }
}
