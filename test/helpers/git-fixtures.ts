// The fixture repositories of the direct-mode oracle: one small git repository per case of issue 4
// (tags, no go.mod, v2/ subdirectory, major branch, tag prefixes, vendor rules, LICENSE, bad names, …).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { GitRepoBuilder } from './git-repo-builder.js';

export const HOST = 'github.com';

export interface Fixtures {
  /** Versions and queries for `go mod download`. */
  readonly downloads: string[];
  /** Module paths for `go list -m -versions`. */
  readonly modules: string[];
  /** module@query for `go list -m -json`. */
  readonly queries: string[];
  /** Versions the go command itself cannot download (bad file names, files over its limits, unknown commits): both sides must fail. */
  readonly failing: string[];
  /** Named commits, for tests that ask by hash. */
  readonly commits: Record<string, string>;
}

const mod = (p: string, extra = ''): string => `module ${HOST}/${p}\n${extra}`;

/** Creates every fixture repository under root/<owner>/<name>. */
export async function buildFixtures(root: string): Promise<Fixtures> {
  const at = (p: string) => GitRepoBuilder.init(path.join(root, p));
  const commits: Record<string, string> = {};
  const f = (p: string) => `${HOST}/${p}`;

  // Tags of every shape; pseudo-versions of all three forms.
  const t = await at('gmpfixture/tags');
  await t.commit({ 'go.mod': mod('gmpfixture/tags', '\ngo 1.16\n'), 'a.go': 'package tags\n' });
  await t.tag('v0.1.0');
  commits.tagsV1 = await t.commit({ 'a.go': 'package tags\n\n// v1\n' });
  await t.tag('v1.0.0', true);
  await t.commit({ 'b.go': 'package tags\n' });
  await t.tag('v1.1.0-rc.1');
  await t.commit({ 'c.go': 'package tags\n' });
  await t.tag('v1.2');
  await t.tag('v1.1.1+meta');
  commits.tagsMain = await t.commit({ 'd.go': 'package tags\n' });
  await t.branch('pre', 'v1.1.0-rc.1');
  commits.tagsPre = await t.commit({ 'e.go': 'package tags\n' });
  await t.branch('rel', 'v1.0.0');
  await t.commit({ 'f.go': 'package tags\n' });
  await t.orphan('fresh');
  await t.commit({ 'go.mod': mod('gmpfixture/tags'), 'g.go': 'package tags\n' });
  await t.checkout('main');

  // No go.mod: synthesized go.mod, +incompatible majors (v3 has a go.mod and is dropped).
  const n = await at('gmpfixture/nogomod');
  await n.commit({ 'a.go': 'package nogomod\n' });
  await n.tag('v1.0.0');
  await n.commit({ 'b.go': 'package nogomod\n' });
  await n.tag('v2.0.0');
  await n.commit({ 'c.go': 'package nogomod\n' });
  await n.tag('v2.1.0');
  await n.branch('v3dev');
  await n.commit({ 'go.mod': mod('gmpfixture/nogomod/v3') });
  await n.tag('v3.0.0');
  await n.checkout('main');
  await n.commit({ 'd.go': 'package nogomod\n' });

  // A v2/ major-version subdirectory next to the v1 root module; root LICENSE copied into v2/.
  const m = await at('gmpfixture/major');
  await m.commit({ 'go.mod': mod('gmpfixture/major', '\ngo 1.18\n'), LICENSE: 'MIT License\n', 'a.go': 'package major\n' });
  await m.tag('v1.0.0');
  await m.commit({ 'v2/go.mod': mod('gmpfixture/major/v2', '\ngo 1.18\n'), 'v2/b.go': 'package major\n' });
  await m.tag('v2.0.0');
  await m.tag('v1.1.0');
  await m.commit({ 'v2/c.go': 'package major\n', 'a2.go': 'package major\n' });

  // A major branch: go.mod on branch v2 declares /v2 at the repository root.
  const b = await at('gmpfixture/majbranch');
  await b.commit({ 'go.mod': mod('gmpfixture/majbranch'), 'a.go': 'package majbranch\n' });
  await b.tag('v1.0.0');
  await b.branch('v2');
  await b.commit({ 'go.mod': mod('gmpfixture/majbranch/v2') });
  await b.tag('v2.0.0');
  commits.majbranchV2Head = await b.commit({ 'b.go': 'package majbranch\n' });
  await b.checkout('main');

  // Modules in subdirectories with tag prefixes; nested modules left out of the root zip.
  const o = await at('gmpfixture/mono');
  await o.commit({
    'go.mod': mod('gmpfixture/mono'),
    LICENSE: 'Apache\n',
    'root.go': 'package mono\n',
    'sub/go.mod': mod('gmpfixture/mono/sub'),
    'sub/s.go': 'package sub\n',
    'other/go.mod': mod('gmpfixture/mono/other'),
    'other/LICENSE': 'BSD\n',
    'other/o.go': 'package other\n',
  });
  for (const tag of ['v1.0.0', 'sub/v0.1.0', 'sub/v1.0.0', 'other/v0.1.0']) await o.tag(tag);
  await o.commit({ 'sub/s2.go': 'package sub\n' });

  // Vendor directories under the Go 1.19 rule (go < 1.24).
  const v = await at('gmpfixture/vendor');
  const vendorFiles = {
    'vendor/modules.txt': '# x\n',
    'vendor/x.go': 'package x\n',
    'vendor/a/b.go': 'package a\n',
    'pkg/vendor/v.go': 'package vendor\n',
    'pkg/vendor/sub/w.go': 'package sub\n',
    'pkg/p.go': 'package pkg\n',
  };
  await v.commit({ 'go.mod': mod('gmpfixture/vendor', '\ngo 1.19\n'), ...vendorFiles });
  await v.tag('v1.0.0');
  await v.commit({ 'go.mod': mod('gmpfixture/vendor', '\ngo 1.24\n') });
  await v.tag('v1.1.0');

  // Symlinks, .gitattributes (export-ignore/export-subst are ignored, eol applies), .hg_archival.txt, nested module.
  const x = await at('gmpfixture/misc');
  await x.commit({
    'go.mod': mod('gmpfixture/misc'),
    'a.go': 'package misc\n',
    'link.go': { link: 'a.go' },
    '.gitattributes': 'ignored.txt export-ignore\nsubst.txt export-subst\ncrlf.txt eol=crlf\n',
    'ignored.txt': 'kept anyway\n',
    'subst.txt': 'commit $Format:%H$\n',
    'crlf.txt': 'one\ntwo\n',
    '.hg_archival.txt': 'repo: x\n',
    'inner/go.mod': mod('gmpfixture/misc/inner'),
    'inner/x.go': 'package inner\n',
    'caf\u00e9/\u00fcber.go': 'package cafe\n',
  });
  await x.tag('v1.0.0');

  // Invalid file names fail the whole version.
  const z = await at('gmpfixture/badnames');
  await z.commit({ 'go.mod': mod('gmpfixture/badnames'), 'ok.go': 'package badnames\n' });
  await z.tag('v1.0.0');
  await z.commit({ 'aux.go': 'package badnames\n' });
  await z.tag('v1.1.0');
  await z.remove('aux.go');
  await z.commit({ 'x?.txt': 'q\n' });
  await z.tag('v1.2.0');
  // Names that are not UTF-8, in two different directories: the nested module in one leaves the other's file in.
  await z.remove('x?.txt');
  const rawName = (dirByte: number, file: string) => Buffer.concat([Buffer.from(`${z.dir}/`), Buffer.from([dirByte]), Buffer.from(file)]);
  await mkdir(rawName(0xff, ''));
  await mkdir(rawName(0xfe, ''));
  await writeFile(rawName(0xff, '/go.mod'), 'module example.com/nested\n');
  await writeFile(rawName(0xfe, '/x.go'), 'package x\n');
  await z.commit();
  await z.tag('v1.3.0');

  // Upper-case module path.
  const u = await at('GmpFixture/Upper');
  await u.commit({ 'go.mod': mod('GmpFixture/Upper'), 'Upper.go': 'package upper\n' });
  await u.tag('v1.0.0');
  await u.commit({ 'More.go': 'package upper\n' });

  // Retractions decide a pseudo-version's base: the go.mod of the highest release retracts v1.2.0 and, written
  // short, v1.1 (v1.1.0); a retract ParseLax cannot read is skipped alone. In retractbad, the same go.mod also
  // fails ParseLax (a require of v2 without /v2), so nothing is retracted.
  for (const [name, extra] of [
    ['retract', ''],
    ['retractbad', 'require example.com/a v2.0.0\n'],
  ] as const) {
    const r = await at(`gmpfixture/${name}`);
    await r.commit({ 'go.mod': mod(`gmpfixture/${name}`), 'a.go': `package ${name}\n` });
    await r.tag('v1.0.0');
    await r.commit({ 'b.go': `package ${name}\n` });
    await r.tag('v1.1.0');
    await r.commit({ 'c.go': `package ${name}\n` });
    await r.tag('v1.2.0');
    await r.branch('after12');
    await r.commit({ 'd.go': `package ${name}\n` });
    await r.checkout('main');
    await r.commit({ 'go.mod': mod(`gmpfixture/${name}`, `retract v1.2.0\nretract v1.1 // short\nretract [v1.9.0 // malformed\n${extra}`) });
    await r.tag('v1.3.0');
  }

  // A commit reachable only from a pull-request ref: the go command fetches branches and tags, never a loose
  // hash, so it is an unknown revision even though the server would hand it out.
  const pr = await at('gmpfixture/pullref');
  await pr.commit({ 'go.mod': mod('gmpfixture/pullref'), 'a.go': 'package pullref\n' });
  await pr.tag('v1.0.0');
  await pr.branch('pr');
  commits.pullref = await pr.commit({ 'b.go': 'package pullref\n' });
  await pr.git('update-ref', 'refs/pull/1/head', commits.pullref);
  await pr.checkout('main');
  await pr.git('branch', '-D', 'pr');
  await pr.commit({ 'c.go': 'package pullref\n' });

  // Over the go command's 16 MiB limits: the root LICENSE copied into a subdirectory module.
  const big = await at('gmpfixture/big');
  await big.commit({
    'go.mod': mod('gmpfixture/big'),
    LICENSE: 'L'.repeat((16 << 20) + 2),
    'sub/go.mod': mod('gmpfixture/big/sub'),
    'sub/s.go': 'package sub\n',
  });
  await big.tag('sub/v1.0.0');
  // A go.mod over 16 MiB: the go command reads it whole for .info and .mod; only its zip fails.
  await big.remove('LICENSE');
  const bigMod = mod('gmpfixture/big');
  await big.commit({ 'go.mod': `${bigMod}//${'x'.repeat((16 << 20) - bigMod.length - 2)}\n` });
  await big.tag('v1.0.0');

  return {
    commits,
    modules: ['tags', 'nogomod', 'major', 'major/v2', 'majbranch', 'majbranch/v2', 'mono', 'mono/sub', 'mono/other', 'vendor', 'misc', 'badnames', 'big']
      .map((p) => f(`gmpfixture/${p}`))
      .concat(f('GmpFixture/Upper')),
    downloads: [
      ...['v0.1.0', 'v1.0.0', 'v1.1.0-rc.1', 'main', 'pre', 'rel', 'fresh'].map((q) => f(`gmpfixture/tags@${q}`)),
      ...['v1.0.0', 'v2.0.0+incompatible', 'v2.1.0+incompatible', 'main'].map((q) => f(`gmpfixture/nogomod@${q}`)),
      f('gmpfixture/major@v1.0.0'),
      f('gmpfixture/major@v1.1.0'),
      f('gmpfixture/major@main'),
      f('gmpfixture/major/v2@v2.0.0'),
      f('gmpfixture/major/v2@main'),
      f('gmpfixture/majbranch@v1.0.0'),
      f('gmpfixture/majbranch/v2@v2.0.0'),
      f(`gmpfixture/majbranch/v2@${commits.majbranchV2Head}`),
      f('gmpfixture/mono@v1.0.0'),
      f('gmpfixture/mono/sub@v0.1.0'),
      f('gmpfixture/mono/sub@main'),
      f('gmpfixture/mono/other@v0.1.0'),
      f('gmpfixture/vendor@v1.0.0'),
      f('gmpfixture/misc@v1.0.0'),
      f('gmpfixture/badnames@v1.0.0'),
      f('GmpFixture/Upper@v1.0.0'),
      f('GmpFixture/Upper@main'),
    ],
    failing: [
      f('gmpfixture/badnames@v1.1.0'),
      f('gmpfixture/badnames@v1.2.0'),
      f('gmpfixture/badnames@v1.3.0'),
      f(`gmpfixture/pullref@${commits.pullref}`),
      f('gmpfixture/big/sub@v1.0.0'),
      f('gmpfixture/big@v1.0.0'),
    ],
    queries: [
      ...['latest', 'main', 'pre', 'rel', 'fresh', 'v1.0.0', 'v1', 'v1.1.1+meta', (commits.tagsV1 as string).slice(0, 7), commits.tagsPre as string].map((q) =>
        f(`gmpfixture/tags@${q}`),
      ),
      ...['latest', 'main', 'v2.1.0', 'v2.0.0+incompatible', 'v3.0.0'].map((q) => f(`gmpfixture/nogomod@${q}`)),
      f('gmpfixture/major@latest'),
      f('gmpfixture/major/v2@latest'),
      f('gmpfixture/major/v2@main'),
      f('gmpfixture/majbranch/v2@v2'),
      f('gmpfixture/majbranch/v2@latest'),
      f('gmpfixture/majbranch@latest'),
      f('gmpfixture/mono/sub@latest'),
      f('gmpfixture/mono/sub@main'),
      f('gmpfixture/mono@main'),
      f('GmpFixture/Upper@latest'),
      f('GmpFixture/Upper@main'),
      f('gmpfixture/retract@after12'),
      f('gmpfixture/retractbad@after12'),
      f(`gmpfixture/pullref@${commits.pullref}`),
      f('gmpfixture/pullref@main'),
      f('gmpfixture/big@v1.0.0'),
      f('gmpfixture/big@latest'),
    ],
  };
}
