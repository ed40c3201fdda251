// The shape every fuzz property takes, shared by the unit tests (a few hundred cases each) and `npm run fuzz`
// (as many as asked for). Seeds are left to fast-check, which prints seed and path on failure for replay.
import { test } from 'node:test';
import fc from 'fast-check';

/** A property and how many cases `npm test` gives it; `npm run fuzz` runs the same builder much longer. */
export interface FuzzProperty {
  /** A sentence saying what always holds. */
  readonly name: string;
  /** Cases per `npm test` run, sized so that the whole suite adds seconds, not minutes. */
  readonly runs: number;
  /** Milliseconds one case may take before it counts as a hang (async properties only). */
  readonly timeoutMs?: number;
  /** Builds the property afresh, so that no run shares state with another. */
  readonly build: () => fc.IRawProperty<unknown>;
}

/** Declares a property; the builder's own type is erased so that lists of properties can be mixed. */
export function fuzz<Ts>(name: string, runs: number, build: () => fc.IRawProperty<Ts>, timeoutMs?: number): FuzzProperty {
  return { name, runs, build: build as () => fc.IRawProperty<unknown>, ...(timeoutMs === undefined ? {} : { timeoutMs }) };
}

/** The fast-check parameters for one property; the caller adds numRuns, seed or time limits. */
export function parameters(p: FuzzProperty, extra: fc.Parameters<unknown> = {}): fc.Parameters<unknown> {
  const plugins = [...(extra.plugins ?? []), ...(p.timeoutMs === undefined ? [] : [fc.timeout(p.timeoutMs)])];
  // The failing assertion goes into the report itself, next to the seed and path that replay it.
  return { numRuns: p.runs, includeErrorInReport: true, ...extra, plugins };
}

/** Registers each property as a node:test test named by its sentence. */
export function testProperties(properties: readonly FuzzProperty[]): void {
  for (const p of properties) {
    test(p.name, async () => {
      await fc.assert(p.build(), parameters(p));
    });
  }
}
