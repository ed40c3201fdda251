// Reads a page of a parent's index feed (another gomodproxy's /index, or index.golang.org): JSON lines
// {"Path","Version","Timestamp"}, `since` inclusive. Lines that are not such objects make the page bad
// content (retried later), and so does an entry older than the `since` asked for or than the entry before it
// (a feed is oldest first: a follower's cursor moves past a stamp once everything before it is done, so an
// entry stamped earlier than one done before it would be passed over by the next page); entries whose path or
// version the go command would refuse are marked, and stay in their place so the cursor moves past them too.
// A page is read whole before any entry is used (a bad one changes nothing), within 16 MiB and a deadline,
// so an endless or trickling answer ends with an error instead of holding the follower for ever.
import { badContent as badAnswer } from '../protocol/answers.js';
import { check, isCanonicalModuleVersion } from '../protocol/module-path.js';
import { FillDeadline } from '../upstream/deadline.js';
import type { DeadlinePolicy } from '../upstream/deadline.js';
import { readAtMost } from '../upstream/read-body.js';
import type { RawFetcher } from '../upstream/source.js';
import type { FeedEntry } from './index-log.js';
import { formatTimestamp, parseTimestamp } from './timestamp.js';

/** The page size gomodproxy asks for: the most index.golang.org returns. */
export const PAGE_LIMIT = 2000;
const MAX_PAGE = 16 << 20;

export interface PageEntry extends FeedEntry {
  /** An invalid module path or a non-canonical version: never stored, but passed over like any entry done. */
  readonly invalid?: true;
  /** The parent marks the module private (`"Private":true`, listed only to a token that may read it). */
  readonly private?: true;
}

export interface FeedPage {
  /** Every entry, valid or not, in the order the feed gave them. */
  readonly entries: PageEntry[];
  /** Lines in the page: a full page means more may follow. */
  readonly lines: number;
  /** The newest stamp in the page (its last), valid entries or not. */
  readonly newest?: bigint;
}

/** An answer of the feed that is not a page of one: the message names the feed, not an upstream. */
const badContent = (feed: string, what: string): Error => badAnswer(feed, what, 'feed');

/** The base a feed URL's `/index` hangs off: `https://index.golang.org/index` and `https://index.golang.org` are one feed. */
export function feedBase(url: string): string {
  return url.replace(/\/+$/, '').replace(/\/index$/, '');
}

/** A page of the feed from `since` (inclusive); `deadline` bounds the time reading it takes (--fill-deadline). */
export async function fetchFeedPage(
  fetcher: RawFetcher,
  since: bigint | undefined,
  opts: { readonly limit?: number; readonly deadline?: DeadlinePolicy } = {},
): Promise<FeedPage> {
  const query = new URLSearchParams({ limit: String(opts.limit ?? PAGE_LIMIT) });
  if (since !== undefined) query.set('since', formatTimestamp(since));
  const deadline = opts.deadline === undefined ? undefined : new FillDeadline(opts.deadline, `index page of ${fetcher.name}`, Date.now());
  try {
    // Parsed inside the fetch: a message quoting the answer then has the fetcher's credentials taken out.
    return await fetcher.fetch(
      `/index?${query}`,
      'index',
      async (res) =>
        parsePage(
          fetcher.name,
          since,
          await readAtMost(counted(res.body, deadline), MAX_PAGE, () => badContent(fetcher.name, `index page: larger than ${MAX_PAGE >> 20} MiB`)),
        ),
      { deadline },
    );
  } finally {
    deadline?.dispose();
  }
}

function parsePage(feed: string, since: bigint | undefined, body: Buffer): FeedPage {
  // A login page in front of the parent, or a URL that is not a feed: say so rather than quote a line of HTML.
  if (/^\s*</.test(body.subarray(0, 1024).toString('utf8')))
    throw badContent(feed, 'index page: the answer is a web page (HTML), not JSON lines: is the --follow URL a feed, or is a login page in the way?');
  const entries: PageEntry[] = [];
  let lines = 0;
  let newest: bigint | undefined;
  for (const line of body.toString('utf8').split('\n')) {
    if (line.trim() === '') continue;
    lines++;
    const e = parseLine(line);
    if (e === undefined) throw badContent(feed, `index line ${JSON.stringify(line.slice(0, 200))}`);
    // `since` is inclusive: an older entry means the feed ignores it, and paging on would never end.
    if (since !== undefined && e.ts < since)
      throw badContent(
        feed,
        `index entry stamped ${formatTimestamp(e.ts)}, before the since=${formatTimestamp(since)} asked for (the feed does not honour since)`,
      );
    if (newest !== undefined && e.ts < newest)
      throw badContent(feed, `index entry stamped ${formatTimestamp(e.ts)} after one stamped ${formatTimestamp(newest)} (the feed is not oldest first)`);
    newest = e.ts;
    entries.push(check(e.path, e.version) === undefined && isCanonicalModuleVersion(e.version) ? e : { ...e, invalid: true });
  }
  return { entries, lines, newest };
}

/** The body, telling the deadline how much has arrived (the time allowed grows with it, as for a fill). */
async function* counted(body: AsyncIterable<Uint8Array | string>, deadline: FillDeadline | undefined): AsyncIterable<Uint8Array | string> {
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    deadline?.progress(received);
    yield chunk;
  }
}

function parseLine(line: string): PageEntry | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  const { Path: path, Version: version, Timestamp: stamp, Private: priv } = (obj ?? {}) as Record<string, unknown>;
  if (typeof path !== 'string' || typeof version !== 'string' || typeof stamp !== 'string') return undefined;
  const ts = parseTimestamp(stamp);
  if (ts === undefined) return undefined;
  return priv === true ? { path, version, ts, private: true } : { path, version, ts };
}
