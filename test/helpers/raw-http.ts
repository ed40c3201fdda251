// Sends exact bytes to an HTTP server over a plain socket and parses what comes back: for requests that
// fetch and node:http refuse to send (unknown methods, bad request lines, oversized headers).
import { connect } from 'node:net';

export interface RawResponse {
  readonly status: number;
  /** Header names in lower case; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Everything received, for assertion messages. */
  readonly text: string;
}

/** Writes `request`, reads until the server closes the connection (or `timeoutMs` passes), parses one response. */
export async function rawRequest(port: number, request: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  const conn = openRaw(port, timeoutMs);
  conn.write(request);
  const text = await conn.closed;
  const res = parseResponse(text);
  if (res === undefined) throw new Error(`no HTTP response, got ${JSON.stringify(text.slice(0, 200))}`);
  return res;
}

/** A connection to write to in steps; `closed` gives everything received once the server closes it. */
export function openRaw(port: number, timeoutMs = 10_000): { write(data: string | Buffer): void; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1');
  const chunks: Buffer[] = [];
  const timer = setTimeout(() => socket.destroy(), timeoutMs);
  socket.on('data', (c: Buffer) => chunks.push(c));
  // A reset after the answer was received still leaves a complete answer to look at.
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) =>
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    }),
  );
  return { write: (data) => void socket.write(data), closed };
}

function parseResponse(text: string): RawResponse | undefined {
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (m === null) return undefined;
  const headers: Record<string, string> = {};
  for (const l of lines) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers[k] = headers[k] === undefined ? v : `${headers[k]}, ${v}`;
  }
  let body = text.slice(end + 4);
  if (headers['transfer-encoding']?.includes('chunked')) body = unchunk(body);
  else if (headers['content-length'] !== undefined) body = body.slice(0, Number(headers['content-length']));
  return { status: Number(m[1]), headers, body, text };
}

function unchunk(s: string): string {
  let out = '';
  let rest = s;
  for (;;) {
    const nl = rest.indexOf('\r\n');
    const size = Number.parseInt(rest.slice(0, nl), 16);
    if (nl < 0 || !Number.isFinite(size) || size === 0) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}
