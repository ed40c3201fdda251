// Timers for tests of the elected writer and its users: a tick runs only when the test fires it, and the
// waits asked for are kept, so the backoff is tested without waiting for it.
import assert from 'node:assert/strict';
import type { Timers } from './elected-writer.js';

export interface FakeTimers {
  readonly timers: Timers;
  /** The wait asked for before each tick, in order. */
  readonly waits: number[];
  /** Runs the tick that is due and waits until it has asked for the next one (or the writer closed). */
  tick(): Promise<void>;
}

export function fakeTimers(): FakeTimers {
  const waits: number[] = [];
  let due: (() => void) | undefined;
  const timers: Timers = {
    set: (run, ms) => {
      waits.push(ms);
      due = run;
      return run;
    },
    clear: (timer) => {
      if (timer === due) due = undefined;
    },
  };
  return {
    timers,
    waits,
    async tick() {
      const run = due;
      assert.ok(run !== undefined, 'a tick is scheduled');
      due = undefined;
      const asked = waits.length;
      run();
      for (let i = 0; i < 10_000 && waits.length === asked; i++) await new Promise((r) => setImmediate(r));
      assert.ok(waits.length > asked, 'the tick asked for the next one');
    },
  };
}
