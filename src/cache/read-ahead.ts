// Background fills of what a client will most likely ask next (next-asks.ts guesses what): the go.mod files
// a go.mod requires, and the zips of the versions a build selects. Filling them meanwhile turns the go
// command's requests into hits or joins them to a fill under way. Bounded: a few files at a time, a queue
// of one graph's zips, and anything beyond is dropped (it is only a guess).

export interface ReadAheadCounters {
  /** Counts each file read ahead by outcome: filled, failed, dropped. */
  count(result: 'filled' | 'failed' | 'dropped'): void;
}

export class ReadAhead {
  private running = 0;
  private readonly queue: Array<{ key: string; run: () => Promise<void> }> = [];
  private readonly queued = new Set<string>();
  private readonly active = new Set<Promise<void>>();
  private closed = false;

  constructor(
    /** Files filled at once (0: read-ahead off). */
    private readonly concurrency: number,
    private readonly counters?: ReadAheadCounters,
    private readonly maxQueue = 1024,
  ) {}

  get enabled(): boolean {
    return this.concurrency > 0;
  }

  /** Runs `run` for `key` when a slot is free; a key already waiting is not queued twice. */
  schedule(key: string, run: () => Promise<void>): void {
    if (!this.enabled || this.closed || this.queued.has(key)) return;
    if (this.queue.length >= this.maxQueue) {
      this.counters?.count('dropped');
      return;
    }
    this.queued.add(key);
    this.queue.push({ key, run });
    this.next();
  }

  private next(): void {
    while (this.running < this.concurrency) {
      const job = this.queue.shift();
      if (job === undefined) return;
      this.queued.delete(job.key);
      this.running++;
      const p = job.run().then(
        () => this.counters?.count('filled'),
        () => this.counters?.count('failed'),
      );
      this.active.add(p);
      void p.finally(() => {
        this.active.delete(p);
        this.running--;
        this.next();
      });
    }
  }

  /** Drops what waits, schedules nothing more, and lets what runs end (on shutdown: the filler cuts it). */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.length = 0;
    this.queued.clear();
    while (this.active.size > 0) await Promise.all(this.active);
  }
}
