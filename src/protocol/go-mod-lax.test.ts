// parseGoModLax against what the go command says of a dependency's go.mod: each case below was read by
// `go get` or `go list -m all` with go 1.19 and 1.23 (through a file:// GOPROXY), which accepted the good ones
// and stopped with "parsing go.mod: <the same complaint>" on the bad ones.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseGoModLax } from './go-mod-lax.js';

const goModProblem = (mod: string | Buffer) => parseGoModLax(mod).problem;

const GOOD: Record<string, string> = {
  plain: 'module m.example/x\n\ngo 1.19\n',
  'no final newline': 'module m.example/x',
  'comments, blocks, directives a dependency ignores': `// hello\nmodule m.example/x // trailing\n\ngo 1.21.0\n\nrequire (\n\texample.com/a v1.0.0 // indirect\n\texample.com/b v1.2\n)\n\nreplace example.com/a => ../a\nexclude example.com/a v0.0.1\ntoolchain go1.21.0\n`,
  'quoted module path': 'module "m.example/x"\n',
  'module block': 'module (\n\tm.example/x\n)\n',
  retract: 'module m.example/x\nretract v1.0.0 // bad\nretract [v1.1.0, v1.2.0]\nretract (\n\tv1.3.0\n)\n',
  'retract the go command does not read here': 'module m.example/x\nretract 1.0\n',
  'unknown directives and blocks': 'module m.example/x\nfoo bar baz\nfoo (\n\tx\n)\n',
  'empty block': 'module m.example/x\nrequire ()\n',
  deprecated: '// Deprecated: use other\nmodule m.example/x\n',
  crlf: 'module m.example/x\r\n\r\ngo 1.19\r\n',
  'release candidate and patch go versions': 'module m.example/x\ngo 1.21rc1\n',
  'toolchain and godebug': 'module m.example/x\ngo 1.22.1\ntoolchain go1.22.1\ngodebug (\n\tdefault=go1.21\n)\n',
  '+incompatible, quoted and pseudo-version requires': `module m.example/x\nrequire example.com/a v2.0.0+incompatible\nrequire "example.com/b" "v1.0.0"\nrequire example.com/c v1.0.0-20200101000000-abcdefabcdef\nexclude example.com/a garbage\nreplace what ever => x\n`,
  'a stray closing paren': 'module m.example/x\n)\n',
  tabs: '\tmodule\tm.example/x\t// c\n\n\n',
  'non-ASCII words': 'module m.example/x\nfoo héllo 世界\n',
  'parens inside a line': 'module m.example/x\nfoo ( bar\nfoo ( ) bar\n',
  'escapes in a quoted module path': 'module "m.example/\\x78"\n',
  'a short version in a require': 'module m.example/x\nrequire example.com/a v1.0\n',
};

const BAD: Record<string, [string, string]> = {
  'unterminated block': ['module m.example/x\n\nrequire (\n', 'syntax error (unterminated block started at go.mod:3)'],
  'two module statements': ['module m.example/x\nmodule m.example/other\n', 'go.mod:2: repeated module statement'],
  'module without a path': ['module\n', 'go.mod:1: usage: module module/path'],
  'module with two words': ['module a b\n', 'go.mod:1: usage: module module/path'],
  'two paths in a module block': ['module (\n\tm.example/x\n\tm.example/y\n)\n', 'go.mod:3: repeated module statement'],
  'backquoted module path': ['module `m.example/x`\n', 'go.mod:1: invalid quoted string: unquoted string cannot contain quote'],
  '/* */ comment': ['module m.example/x\n/* x */\n', 'go.mod:2: mod files must use // comments (not /* */ comments)'],
  'unterminated string': ['module "m.example/x\n', 'go.mod:1: unexpected newline in string'],
  'control character': ['module m.example/x\n\u0001\n', 'go.mod:2: unexpected input character'],
  'form feed': ['module m.example/x\n\fgo 1.19\n', 'go.mod:2: unexpected input character'],
  'byte order mark': ['\ufeffmodule m.example/x\n', 'go.mod:1: unexpected input character'],
  'bad go version': ['module m.example/x\ngo abc\n', "go.mod:2: invalid go version 'abc'"],
  'go version with a v': ['module m.example/x\ngo v1.19\n', "go.mod:2: invalid go version 'v1.19'"],
  'go without a version': ['module m.example/x\ngo\n', 'go.mod:2: go directive expects exactly one argument'],
  'two go statements': ['module m.example/x\ngo 1.19\ngo 1.20\n', 'go.mod:3: repeated go statement'],
  'require of a branch': ['module m.example/x\nrequire example.com/a master\n', 'go.mod:2: require example.com/a: version "master" invalid'],
  'require without a version': ['module m.example/x\nrequire example.com/a\n', 'go.mod:2: usage: require module/path v1.2.3'],
  'require block line without a version': ['module m.example/x\nrequire (\n\texample.com/a\n)\n', 'go.mod:3: usage: require module/path v1.2.3'],
  'require of a major version its path does not name': [
    'module m.example/x\nrequire example.com/a v2.0.0\n',
    'go.mod:2: require example.com/a: version "v2.0.0" invalid: should be v0 or v1, not v2',
  ],
  'require of /v2 at v1': [
    'module m.example/x\nrequire example.com/a/v2 v1.0.0\n',
    'go.mod:2: require example.com/a/v2: version "v1.0.0" invalid: should be v2, not v1',
  ],
  'require of gopkg.in .v2 at v3': [
    'module m.example/x\nrequire gopkg.in/yaml.v2 v3.0.0\n',
    'go.mod:2: require gopkg.in/yaml.v2: version "v3.0.0" invalid: should be v2, not v3',
  ],
  'require of a /v1 path': ['module m.example/x\nrequire example.com/a/v1 v1.0.0\n', 'go.mod:2: invalid module path'],
  'a bad escape in a quoted version': [
    'module m.example/x\nrequire "example.com/a" "v1\\q"\n',
    'go.mod:2: require example.com/a: version "\\"v1\\\\q\\"" invalid: invalid syntax',
  ],
  'text after a closing paren': [
    'module m.example/x\nrequire (\n\texample.com/a v1.0.0\n) x\n',
    'go.mod:4: syntax error (expected newline after closing paren)',
  ],
};

test('go.mod files the go command reads as a dependency have no problem', () => {
  for (const [name, mod] of Object.entries(GOOD)) assert.equal(goModProblem(mod), undefined, name);
});

test('go.mod files the go command refuses are named with its complaint', () => {
  for (const [name, [mod, complaint]] of Object.entries(BAD)) {
    const problem = goModProblem(Buffer.from(mod));
    assert.ok(problem?.includes(complaint), `${name}: ${problem}`);
  }
});

test('what ParseLax keeps: the module path, the go version (fixed up), requires canonical, retractions as written', () => {
  const lax = parseGoModLax(
    'module "m.example/x"\ngo 1.21-beta\nrequire (\n\texample.com/a v1.2 // indirect\n\t"example.com/b/v2" v2.0.0\n)\nrequire example.com/c v3.0.0+incompatible\n',
  );
  assert.equal(lax.problem, undefined);
  assert.ok(lax.problem === undefined);
  assert.equal(lax.mod.module, 'm.example/x');
  assert.equal(lax.mod.go, '1.21');
  assert.deepEqual(lax.mod.require, [
    { path: 'example.com/a', version: 'v1.2.0' },
    { path: 'example.com/b/v2', version: 'v2.0.0' },
    { path: 'example.com/c', version: 'v3.0.0+incompatible' },
  ]);
  assert.deepEqual(lax.mod.retract, []);
});

test('retractions: every one ParseLax reads, versions kept as written, the ones it cannot read skipped alone', () => {
  const lax = parseGoModLax(
    'module m\nretract v1.0.0 // oops\nretract (\n\t[v1.2.0, v1.3.0]\n\tv2.0.0\n)\nretract v1.1 // not canonical: kept as written\nretract [v1.4.0 // no closing bracket: skipped\nretract "v1.5.0"\nretract [v1.6.0, v1.7.0] trailing words\nretract ()\n',
  );
  assert.ok(lax.problem === undefined, lax.problem);
  assert.deepEqual(lax.mod.retract, [
    { low: 'v1.0.0', high: 'v1.0.0' },
    { low: 'v1.2.0', high: 'v1.3.0' },
    { low: 'v2.0.0', high: 'v2.0.0' },
    { low: 'v1.1', high: 'v1.1' },
    { low: 'v1.5.0', high: 'v1.5.0' },
    { low: 'v1.6.0', high: 'v1.7.0' },
  ]);
  // A go.mod that ParseLax fails keeps nothing, retractions included.
  assert.ok(parseGoModLax('module m\nretract v1.0.0\nrequire example.com/a v2.0.0\n').problem !== undefined);
});
