import assert from 'node:assert/strict';
import { test } from 'node:test';
import { matchPrefixPatterns } from './glob.js';
import { redactPrivateText } from './private-text.js';

const isPrivate = (p: string) => matchPrefixPatterns('corp.example,*.internal/Team', p);

test('words naming a private module path become <private>, wherever the path starts in them', () => {
  const cases: Array<[string, string]> = [
    ['storing corp.example/secret/@v/v1.0.0.ziphash: no space left', 'storing <private> no space left'],
    ["ENOSPC: no space left on device, mkdir '/data/cache/corp.example/x/@v'", "ENOSPC: no space left on device, mkdir '<private>'"],
    ['corp.example/x@v1.0.0: reading tree note: bad', '<private> reading tree note: bad'],
    // Escaped, as in storage keys and file names: git.internal/Team → git.internal/!team.
    ['/d/cache/git.internal/!team/lib/@v/list leads out of the store', '<private> leads out of the store'],
    ['example.com/public@v1.0.0: not corp.example.org/x nor corpXexample/y', 'example.com/public@v1.0.0: not corp.example.org/x nor corpXexample/y'],
    ['fetched example.com/lib and corp.example/a, then git.internal/Other', 'fetched example.com/lib and <private>, then git.internal/Other'],
  ];
  for (const [text, want] of cases) assert.equal(redactPrivateText(text, isPrivate), want, text);
});

test('text without a private path is returned as it is, however long, asking about few paths per word', () => {
  const long = `${'example.com/a/'.repeat(5000)} done`;
  let asked = 0;
  let longest = 0;
  const counting = (p: string) => {
    asked++;
    longest = Math.max(longest, p.length);
    return isPrivate(p);
  };
  assert.equal(redactPrivateText(long, counting), long);
  // One word of 10,000 elements: a path may start in its first 32, and is at most 32 elements long.
  assert.ok(asked <= 33, `${asked} paths asked about`);
  assert.ok(longest <= 1100, `a path of ${longest} bytes asked about`);
  assert.equal(redactPrivateText('', isPrivate), '');
});
