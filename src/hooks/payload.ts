// What a refresh webhook asks for: a GitHub push (JSON or form-encoded `payload=`), a GitLab push or tag
// push, or a plain {"module": "…"} / {"modules": [...]}. Anything else is refused with a reason (400).
import type { IncomingHttpHeaders } from 'node:http';
import { gmpError } from '../errors.js';
import { checkPath } from '../protocol/module-path.js';

export type HookRequest =
  /** GitHub's ping when a webhook is created: answered, nothing else happens. */
  | { readonly kind: 'ping'; readonly source: string }
  | { readonly kind: 'refresh'; readonly source: string; readonly modules: readonly string[]; readonly repositories: readonly string[] };

const MAX_MODULES = 100;

const bad = (why: string) => gmpError('GMP_ERR_REQUEST_INVALID', `bad request: ${why}`);
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);

export function parseHook(headers: IncomingHttpHeaders, body: Buffer): HookRequest {
  const doc = parseBody(one(headers['content-type']) ?? '', body);
  const github = one(headers['x-github-event']);
  const gitlab = one(headers['x-gitlab-event']);
  if (github !== undefined) {
    if (github === 'ping') return { kind: 'ping', source: 'github' };
    if (github !== 'push') throw bad(`GitHub event ${JSON.stringify(github.slice(0, 40))} is not handled: send push events only`);
    const repo = field(doc, 'repository');
    return repositories('github', [field(repo, 'html_url'), field(repo, 'clone_url')]);
  }
  if (gitlab !== undefined) {
    if (gitlab !== 'Push Hook' && gitlab !== 'Tag Push Hook')
      throw bad(`GitLab event ${JSON.stringify(gitlab.slice(0, 40))} is not handled: send push and tag push events`);
    const project = field(doc, 'project');
    const repo = field(doc, 'repository');
    return repositories('gitlab', [field(project, 'web_url'), field(project, 'git_http_url'), field(repo, 'homepage'), field(repo, 'git_http_url')]);
  }
  const single = field(doc, 'module');
  const list = field(doc, 'modules');
  const modules = single !== undefined ? [single] : Array.isArray(list) ? list : undefined;
  if (modules === undefined || modules.length === 0) throw bad('expected a GitHub or GitLab push, or {"module": "<module path>"}');
  if (modules.length > MAX_MODULES) throw bad(`at most ${MAX_MODULES} modules at a time`);
  for (const m of modules) {
    const problem = typeof m === 'string' ? checkPath(m) : 'not a string';
    if (problem !== undefined) throw bad(`module ${JSON.stringify(m)}: ${problem}`);
  }
  return { kind: 'refresh', source: 'plain', modules: modules as string[], repositories: [] };
}

function parseBody(contentType: string, body: Buffer): unknown {
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  let text = body.toString('utf8');
  if (type === 'application/x-www-form-urlencoded') {
    // GitHub's "application/x-www-form-urlencoded" content type: the JSON is the `payload` field.
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw bad('a form-encoded webhook must carry its JSON in the payload field');
    text = payload;
  } else if (type !== 'application/json' && type !== '') {
    throw bad(`content type ${JSON.stringify(type.slice(0, 60))} is not handled: send application/json`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw bad('the body is not JSON');
  }
}

function field(obj: unknown, name: string): unknown {
  return typeof obj === 'object' && obj !== null && !Array.isArray(obj) ? (obj as Record<string, unknown>)[name] : undefined;
}

function repositories(source: string, urls: unknown[]): HookRequest {
  const found = urls.filter((u): u is string => typeof u === 'string' && u !== '');
  if (found.length === 0) throw bad(`the ${source} push names no repository URL`);
  return { kind: 'refresh', source, modules: [], repositories: [...new Set(found)] };
}
