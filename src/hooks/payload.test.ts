// What a refresh hook asks for, from GitHub, GitLab and plain payloads; everything else is a 400 with a reason.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseHook } from './payload.js';

const json = { 'content-type': 'application/json' };
const buf = (v: unknown) => Buffer.from(JSON.stringify(v));

test('a plain payload names one module or several', () => {
  assert.deepEqual(parseHook(json, buf({ module: 'example.com/m' })), {
    kind: 'refresh',
    source: 'plain',
    modules: ['example.com/m'],
    repositories: [],
  });
  const many = parseHook(json, buf({ modules: ['example.com/a', 'example.com/b/v2'] }));
  assert.deepEqual(many.kind === 'refresh' && many.modules, ['example.com/a', 'example.com/b/v2']);
});

test('a GitHub push names its repository by its URLs, JSON or form-encoded', () => {
  const push = { ref: 'refs/tags/v1.0.0', repository: { html_url: 'https://github.com/o/r', clone_url: 'https://github.com/o/r.git' } };
  const a = parseHook({ ...json, 'x-github-event': 'push' }, buf(push));
  assert.deepEqual(a.kind === 'refresh' && a.repositories, ['https://github.com/o/r', 'https://github.com/o/r.git']);
  const form = Buffer.from(`payload=${encodeURIComponent(JSON.stringify(push))}`);
  const b = parseHook({ 'content-type': 'application/x-www-form-urlencoded', 'x-github-event': 'push' }, form);
  assert.deepEqual(b, a);
  assert.equal(parseHook({ ...json, 'x-github-event': 'ping' }, buf({ zen: 'x' })).kind, 'ping');
});

test('a GitLab tag push names its project', () => {
  const r = parseHook({ ...json, 'x-gitlab-event': 'Tag Push Hook' }, buf({ project: { web_url: 'https://gitlab.example/g/p' } }));
  assert.deepEqual(r.kind === 'refresh' && r.repositories, ['https://gitlab.example/g/p']);
});

test('unknown events, malformed bodies and bad module paths are refused with a reason', () => {
  const reason = (h: Record<string, string>, b: Buffer) => {
    try {
      parseHook(h, b);
    } catch (e) {
      return (e as Error).message;
    }
    return 'accepted';
  };
  assert.match(reason({ ...json, 'x-github-event': 'issues' }, buf({})), /not handled/);
  assert.match(reason(json, Buffer.from('{not json')), /not JSON/);
  assert.match(reason(json, buf({ hello: 1 })), /expected a GitHub or GitLab push/);
  assert.match(reason(json, buf({ module: 'Not A Path' })), /module "Not A Path"/);
  assert.match(reason({ 'content-type': 'text/plain' }, buf({ module: 'example.com/m' })), /content type/);
  assert.match(reason({ ...json, 'x-github-event': 'push' }, buf({ repository: {} })), /names no repository URL/);
});
