// Serves the git repositories under a directory over smart HTTP on 127.0.0.1 (git http-backend as CGI),
// and optional go-get=1 pages, so both the go command and gomodproxy can fetch fixtures "from GitHub".
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GitServer {
  readonly url: string;
  /** Requests seen, for tests that count fetches (`GET /owner/repo/info/refs?service=…`). */
  readonly requests: string[];
  /** go-get=1 answers keyed by the request path without the query (`/owner/repo/sub`). */
  readonly goGet: Map<string, string>;
  /** While set, fetches (`POST …/git-upload-pack`) wait for it before they are answered. */
  hold: Promise<void> | undefined;
  /** Which fetches `hold` holds, by request path (all when unset). */
  holds?: (path: string) => boolean;
  close(): Promise<void>;
}

export async function startGitServer(projectRoot: string): Promise<GitServer> {
  const requests: string[] = [];
  const goGet = new Map<string, string>();
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    requests.push(`${req.method} ${url.pathname}${url.search}`);
    if (url.searchParams.get('go-get') === '1') {
      const page = goGet.get(url.pathname);
      res.writeHead(page === undefined ? 404 : 200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page ?? 'not found');
      return;
    }
    if (req.method === 'POST' && api.hold !== undefined && (api.holds?.(url.pathname) ?? true)) {
      await api.hold;
      // A client that went away while held (a fetch stopped by a closing mirror) has no request left to answer.
      if (res.destroyed || req.socket.destroyed) return;
    }
    cgi(projectRoot, req, res, url);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // The handler reads `hold` from here: the object the test sets it on.
  const api: GitServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    goGet,
    hold: undefined,
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
  return api;
}

function cgi(projectRoot: string, req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    // Partial clone and lazy blob fetches need these on the serving side.
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'uploadpack.allowFilter',
    GIT_CONFIG_VALUE_0: 'true',
    GIT_CONFIG_KEY_1: 'uploadpack.allowAnySHA1InWant',
    GIT_CONFIG_VALUE_1: 'true',
    REQUEST_METHOD: req.method,
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.slice(1),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: '127.0.0.1',
    GIT_PROTOCOL: String(req.headers['git-protocol'] ?? ''),
    HTTP_CONTENT_ENCODING: String(req.headers['content-encoding'] ?? ''),
  };
  const child = spawn('git', ['http-backend'], { env });
  // A client gone before the answer ends leaves git waiting for input that never comes.
  res.on('close', () => {
    if (!res.writableFinished) child.kill();
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headerDone = false;
  child.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) return void res.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      const name = line.slice(0, i).trim();
      const value = line.slice(i + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.stdout.on('end', () => res.end());
  child.on('error', () => res.destroy());
}
