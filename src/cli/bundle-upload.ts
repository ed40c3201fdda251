// `bundle import FILE --url URL`: streams the bundle file to a running proxy (POST /api/v1/admin/bundles),
// which verifies and commits it as `--data` does here. The admin token, when the proxy needs one, comes from
// $GOMODPROXY_TOKEN or .netrc (as for publish): never from a flag, so it stays out of ps and shell history.
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Agent, request } from 'undici';
import { formatBytes } from '../content/progress.js';
import type { CliIO } from './io.js';
import { isLoopback, netrcPassword } from './publish.js';
import { readPrefix } from '../upstream/read-body.js';
import { trustedCAs } from '../upstream/tls-trust.js';

export const BUNDLES_API = '/api/v1/admin/bundles';

/**
 * The most of an answer read: a summary or a refusal's line is far shorter. Past it the command hangs up, so a
 * server (or whatever sits in front of it) sending a long or endless body cannot hold it or fill its memory.
 */
const ANSWER_LIMIT = 64 * 1024;

/** The answer's text; one cut at the limit is told by its first line and a note. */
function answerText(data: Buffer, more: boolean): string {
  const text = data.toString('utf8');
  if (!more) return text.trim();
  return `${text.split('\n', 1)[0]?.trim()} (the rest of the answer, over ${formatBytes(ANSWER_LIMIT)}, not read)`;
}

interface Summary {
  readonly modules: number;
  readonly added: number;
  readonly already: number;
  readonly bytes: number;
}

export async function uploadBundle(file: string, base: string, io: CliIO, insecure: boolean): Promise<number> {
  const fail = (message: string) => (io.stderr.write(`gomodproxy bundle import: ${message}\n`), 1);
  let url: URL;
  try {
    url = new URL(`${base.replace(/\/+$/, '')}${BUNDLES_API}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http(s)');
  } catch {
    return fail(`--url ${JSON.stringify(base)} is not an http:// or https:// URL`);
  }
  const token = io.env.GOMODPROXY_TOKEN || (await netrcPassword(io, url.hostname));
  if (token !== undefined && token !== '' && url.protocol === 'http:' && !isLoopback(url.hostname) && !insecure)
    return fail(`${url.origin} is plain http: the token would cross the network readable by anyone on the way; use https (or --insecure)`);
  const size = await stat(file).then(
    (s) => s.size,
    () => undefined,
  );
  if (size === undefined) return fail(`refused, nothing stored: ${file}: no such file`);
  const ca = trustedCAs(io.env);
  // A large bundle takes a while to verify before the answer starts: no timeout on the answer.
  const dispatcher = new Agent({ headersTimeout: 0, bodyTimeout: 0, ...(ca === undefined ? {} : { connect: { ca } }) });
  const started = Date.now();
  try {
    const headers: Record<string, string> = { 'content-type': 'application/octet-stream', 'content-length': String(size) };
    if (token !== undefined && token !== '') headers.authorization = `Bearer ${token}`;
    const res = await request(url, { method: 'POST', dispatcher, headers, body: createReadStream(file, { highWaterMark: 256 * 1024 }) });
    // Stops at the limit; the connection is destroyed below, whatever the server still sends (or reads).
    const { data, more } = await readPrefix(res.body, ANSWER_LIMIT);
    const text = answerText(data, more);
    if (res.statusCode === 422) return fail(text);
    if (res.statusCode !== 200) return fail(`${url.origin}${BUNDLES_API}: ${res.statusCode}: ${text}`);
    if (more) return fail(`${url.origin}${BUNDLES_API}: the answer is not an import's summary: ${text}`);
    const s = JSON.parse(data.toString('utf8')) as Summary;
    const secs = (Date.now() - started) / 1000;
    io.stdout.write(
      `imported ${file} into ${url.origin}: ${s.modules} module versions (${s.added} new, ${s.already} already stored), ${formatBytes(s.bytes)} verified in ${secs.toFixed(1)} s\n`,
    );
    return 0;
  } catch (err) {
    return fail(`${url.origin}: ${(err as Error).message}`);
  } finally {
    // Decided: not close(), which would wait for the rest of an upload the server refused or a body left unread.
    await dispatcher.destroy();
  }
}
