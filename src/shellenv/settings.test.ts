// Unit tests for the values and quoting that `gomodproxy env` prints.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assignment, renderBlock, shQuote } from './quote.js';
import { buildEnvVars, globList } from './settings.js';

const base = { direct: true, private: [], noproxy: [], nosumdb: [] };

describe('buildEnvVars', () => {
  test('appends ,direct to a single proxy URL unless asked not to', () => {
    assert.deepEqual(buildEnvVars({ ...base, url: 'http://127.0.0.1:3000/' }), [['GOPROXY', 'http://127.0.0.1:3000,direct']]);
    assert.deepEqual(buildEnvVars({ ...base, url: 'https://goproxy.example', direct: false }), [['GOPROXY', 'https://goproxy.example']]);
  });

  test('keeps a whole GOPROXY list as given, including one that already ends in direct', () => {
    assert.equal(buildEnvVars({ ...base, url: 'https://a.example|https://b.example,direct' })[0]?.[1], 'https://a.example|https://b.example,direct');
  });

  test('adds https:// to a bare host, as the go command does', () => {
    assert.equal(buildEnvVars({ ...base, url: 'goproxy.example' })[0]?.[1], 'https://goproxy.example,direct');
  });

  test('rejects a value the go command would reject', () => {
    assert.throws(() => buildEnvVars({ ...base, url: 'ftp://x.example' }), /scheme/);
    assert.throws(() => buildEnvVars({ ...base, url: 'http://x', sumdb: 'bogus+key' }), /checksum database key/);
  });

  test('keeps private patterns in GONOSUMDB when extra patterns are given, so they never reach the public database', () => {
    const vars = buildEnvVars({ ...base, url: 'http://p', private: ['corp.example.com/*,git.corp.example.com/'], nosumdb: ['github.com/corp'] });
    assert.deepEqual(vars.slice(1), [
      ['GOPRIVATE', 'corp.example.com/*,git.corp.example.com'],
      ['GONOSUMDB', 'corp.example.com/*,git.corp.example.com,github.com/corp'],
    ]);
  });

  test('emits GOSUMDB only when asked, normalising spaces', () => {
    const vars = buildEnvVars({ ...base, url: 'http://p', sumdb: 'sum.golang.org   https://sum.example' });
    assert.deepEqual(vars.at(-1), ['GOSUMDB', 'sum.golang.org https://sum.example']);
  });
});

describe('globList', () => {
  test('splits repeated and comma-separated flags and drops empty entries and duplicates', () => {
    assert.deepEqual(globList(['a.example/*, ,b.example', 'a.example/*']), ['a.example/*', 'b.example']);
  });
  test('refuses patterns with spaces', () => {
    assert.throws(() => globList(['a b']), /spaces/);
  });
});

describe('quoting', () => {
  const v = 'http://a|http://b,direct';
  test('quotes | for every shell', () => {
    assert.equal(assignment('sh', 'GOPROXY', v), `export GOPROXY='${v}'`);
    assert.equal(assignment('fish', 'GOPROXY', v), `set -gx GOPROXY '${v}'`);
    assert.equal(assignment('powershell', 'GOPROXY', v), `$env:GOPROXY = '${v}'`);
    assert.equal(assignment('cmd', 'GOPROXY', v), `set "GOPROXY=${v}"`);
    assert.equal(assignment('go', 'GOPROXY', v), `go env -w 'GOPROXY=${v}'`);
  });
  test('escapes the characters each format treats specially', () => {
    assert.equal(shQuote("it's"), `'it'\\''s'`);
    assert.equal(assignment('powershell', 'X', "it's"), `$env:X = 'it''s'`);
    assert.equal(assignment('dockerfile', 'X', 'a$b"c'), 'ENV X="a\\$b\\"c"');
    assert.equal(assignment('fish', 'X', "a\\'b"), "set -gx X 'a\\\\\\'b'");
  });
  test('renders CI blocks as YAML mappings', () => {
    const vars = [
      ['GOPROXY', 'http://p,direct'],
      ['GOPRIVATE', '*.corp.example'],
    ] as const;
    assert.equal(renderBlock('github', vars), 'env:\n  GOPROXY: "http://p,direct"\n  GOPRIVATE: "*.corp.example"');
    assert.equal(renderBlock('gitlab', vars).split('\n')[0], 'variables:');
    assert.equal(renderBlock('go', vars), "go env -w 'GOPROXY=http://p,direct' 'GOPRIVATE=*.corp.example'");
  });
  test('refuses line breaks that would break out of any format', () => {
    assert.throws(() => renderBlock('sh', [['GOPROXY', 'a\nrm -rf /']]), /line breaks/);
  });
});
