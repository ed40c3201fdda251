// Index feed timestamps: nanoseconds since the Unix epoch as bigints, written as Go writes a time.Time in
// JSON (RFC 3339 in UTC, fraction to the nanosecond with trailing zeros trimmed), and the `since` values
// readers send (RFC 3339 with or without a fraction, any offset), as index.golang.org reads them.

const NS_PER_MS = 1_000_000n;
const NS_PER_S = 1_000_000_000n;
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Now, in nanoseconds (microsecond resolution: the clock's, plus the monotonic clock's fraction). */
export function nowNs(): bigint {
  return BigInt(Math.round((performance.timeOrigin + performance.now()) * 1000)) * 1000n;
}

export function nsFromMs(ms: number): bigint {
  return BigInt(Math.trunc(ms)) * NS_PER_MS;
}

/** `2019-04-10T19:08:52.997264Z`: RFC 3339 in UTC, as Go's time.Time marshals to JSON. */
export function formatTimestamp(ns: bigint): string {
  // Floored, so a stamp before 1970 (Go's zero time, a parent's odd clock) keeps a fraction in [0, 1 s).
  const frac = ((ns % NS_PER_S) + NS_PER_S) % NS_PER_S;
  const secs = (ns - frac) / NS_PER_S;
  const base = new Date(Number(secs) * 1000).toISOString().slice(0, 19);
  if (frac === 0n) return `${base}Z`;
  return `${base}.${frac.toString().padStart(9, '0').replace(/0+$/, '')}Z`;
}

/** Parses an RFC 3339 time to nanoseconds since the epoch; undefined when it is not one. */
export function parseTimestamp(text: string): bigint | undefined {
  // A `+` offset sent unencoded in a query string arrives as a space.
  const m = RFC3339.exec(text.replace(' ', '+'));
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month) || hour > 23 || minute > 59 || second > 59) return undefined;
  // Date.UTC reads years below 100 as 19xx; Go's zero time (year 1) is a common `since`.
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year);
  let ms = date.getTime();
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = Number(m[11]);
    if (oh > 23 || om > 59) return undefined;
    ms -= (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const frac = BigInt((m[7] ?? '').padEnd(9, '0') || '0');
  return BigInt(ms) * NS_PER_MS + frac;
}

const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysIn(year: number, month: number): number {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return month === 2 && leap ? 29 : (DAYS[month - 1] as number);
}
