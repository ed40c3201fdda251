// Unit tests for reading bench workloads from module lists, go.mod, go.sum and go.work.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { BUILTIN_MODULES, loadFrom, parseGoModRequires, parseGoSum, parseModuleArgs, parseModuleLines } from './module-lists.js';

describe('bench workload', () => {
  test('reads module@version and "module version" lines, skipping comments and duplicates', () => {
    const got = parseModuleLines('# popular\ngolang.org/x/text@v0.14.0\n\ngithub.com/BurntSushi/toml v1.3.2 // toml\ngolang.org/x/text@v0.14.0\n');
    assert.deepEqual(got, [
      { path: 'golang.org/x/text', version: 'v0.14.0' },
      { path: 'github.com/BurntSushi/toml', version: 'v1.3.2' },
    ]);
  });

  test('rejects lines without a version, invalid paths, and non-canonical versions, naming the line', () => {
    assert.throws(() => parseModuleLines('golang.org/x/text\n', 'm.txt'), /m\.txt:1: want module@version/);
    assert.throws(() => parseModuleLines('\nnot a path@v1.0.0\n', 'm.txt'), /m\.txt:2/);
    assert.throws(() => parseModuleLines('example.com/a@v1.2\n'), /not canonical \(v1\.2\.0\)/);
    assert.throws(() => parseModuleLines('example.com/a/v2@v1.0.0\n'), /invalid version/);
  });

  test('takes the requires of a go.mod in single-line and block form', () => {
    const gomod =
      'module example.com/me\n\ngo 1.19\n\nrequire golang.org/x/mod v0.14.0\n\nrequire (\n\tgithub.com/google/uuid v1.6.0\n\tgolang.org/x/text v0.14.0 // indirect\n)\n';
    assert.deepEqual(
      parseGoModRequires(gomod).map((m) => `${m.path}@${m.version}`),
      ['golang.org/x/mod@v0.14.0', 'github.com/google/uuid@v1.6.0', 'golang.org/x/text@v0.14.0'],
    );
  });

  test('takes module versions and their expected hashes from a go.sum', () => {
    const sum =
      'golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\ngolang.org/x/text v0.14.0/go.mod h1:18ZOQIKpY8NJVqYksKHtTdi31H5itFRjB5/qKTNYzSU=\nrsc.io/quote v1.5.2/go.mod h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=\n';
    assert.deepEqual(parseGoSum(sum), [
      {
        path: 'golang.org/x/text',
        version: 'v0.14.0',
        sums: { zip: 'h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=', mod: 'h1:18ZOQIKpY8NJVqYksKHtTdi31H5itFRjB5/qKTNYzSU=' },
      },
      { path: 'rsc.io/quote', version: 'v1.5.2', sums: { zip: undefined, mod: 'h1:LzX7hefJvL54yjefDEDHNONDjII0t9xZLPXsUe+TKr0=' } },
    ]);
  });

  test('a go.sum line without three fields is refused with its line, as the go command refuses it', () => {
    const sum = 'golang.org/x/text v0.14.0 h1:ScX5w1eTa3QqT8oi6+ziP7dTV1S2+ALU0bI+0zXKWiQ=\n\ngarbage line here with too many fields\n';
    assert.throws(() => parseGoSum(sum, 'x/go.sum'), { message: 'x/go.sum:3: malformed go.sum line: wrong number of fields 7' });
    assert.throws(() => parseGoSum('example.com/b\n', 'go.sum'), /go\.sum:1: malformed go\.sum line: wrong number of fields 1/);
  });

  test('follows the use directives of a go.work to each module go.mod', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'gmp-work-'));
    try {
      await mkdir(path.join(dir, 'a'));
      await mkdir(path.join(dir, 'b'));
      await writeFile(path.join(dir, 'go.work'), 'go 1.19\n\nuse (\n\t./a\n\t"./b"\n)\n');
      await writeFile(path.join(dir, 'a', 'go.mod'), 'module a\n\nrequire golang.org/x/text v0.14.0\n');
      await writeFile(path.join(dir, 'b', 'go.mod'), 'module b\n\nrequire (\n\tgolang.org/x/text v0.14.0\n\tgithub.com/pkg/errors v0.9.1\n)\n');
      const got = await loadFrom(path.join(dir, 'go.work'));
      assert.deepEqual(
        got.map((m) => `${m.path}@${m.version}`),
        ['golang.org/x/text@v0.14.0', 'github.com/pkg/errors@v0.9.1'],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('the built-in list is valid and has no duplicates', () => {
    assert.equal(parseModuleLines(BUILTIN_MODULES.join('\n')).length, BUILTIN_MODULES.length);
  });
});

describe('command-line arguments', () => {
  test('MODULE@VERSION arguments are read once each, and a mistake reads as the go command writes it, with no line number', () => {
    assert.deepEqual(parseModuleArgs(['example.com/a@v1.0.0', 'example.com/a@v1.0.0', 'example.com/b/v2@v2.1.0']), [
      { path: 'example.com/a', version: 'v1.0.0' },
      { path: 'example.com/b/v2', version: 'v2.1.0' },
    ]);
    assert.throws(() => parseModuleArgs(['example.com/lib@v9.9.9']), { message: 'example.com/lib@v9.9.9: invalid version: should be v0 or v1, not v9' });
    assert.throws(() => parseModuleArgs(['example.com/lib@v1.2']), { message: 'example.com/lib@v1.2: version is not canonical (v1.2.0)' });
    for (const bad of ['example.com/lib', 'example.com/lib@', '@v1.0.0', 'example.com/lib v1.0.0'])
      assert.throws(() => parseModuleArgs([bad]), { message: `argument ${JSON.stringify(bad)}: want MODULE@VERSION` });
  });
});
