// Keeps the README in step with the code: every setting and every error code is documented.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { CONFIG_FLAG, OPTIONS } from '../src/config/options.js';
import { loadConfig } from '../src/config/load.js';
import { withOptionsTable } from '../src/config/options-table.js';
import { ERRORS } from '../src/errors.js';
import { API_INDEX } from '../src/dashboard/routes.js';
import { Metrics } from '../src/metrics.js';
import { generateKey, newSigner, newVerifier } from '../src/sumdb/note-keys.js';
import { runCli } from './helpers/in-process-cli.js';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

test('the README starts with the two commands that serve and test', () => {
  const firstBlock = readme.split('```')[1] ?? '';
  assert.match(firstBlock, /npm ci && npm start/);
  assert.match(firstBlock, /npm ci && npm test/);
});

test('the README names the oldest Node.js release package.json accepts', async () => {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { engines: { node: string } };
  const oldest = /^>=(\d+\.\d+\.\d+)$/.exec(pkg.engines.node)?.[1];
  assert.ok(oldest !== undefined, pkg.engines.node);
  assert.match(readme, new RegExp(`Node\\.js ${oldest.replaceAll('.', '\\.')} or newer`));
});

test("the README's settings table is the one the schema generates (npm run docs)", () => {
  assert.equal(readme, withOptionsTable(readme), 'run npm run docs');
});

test('every setting has its flag, environment variable and YAML key in the README', () => {
  for (const o of [...OPTIONS, { ...CONFIG_FLAG, key: 'config' }]) {
    assert.ok(readme.includes(`\`--${o.flag}\``), `--${o.flag}`);
    assert.ok(readme.includes(`\`${o.env}\``), o.env);
  }
  for (const o of OPTIONS) assert.ok(readme.includes(`\`${o.key}\``), o.key);
});

test("every metric of the server's registry is named in the README", async () => {
  const names = (await new Metrics({ defaultMetrics: false }).registry.getMetricsAsJSON()).map((m) => m.name);
  assert.ok(names.length > 10, names.join(' '));
  assert.deepEqual(
    names.filter((n) => !readme.includes(`\`${n}`)),
    [],
  );
});

test('every error code is documented with its status', () => {
  for (const [code, spec] of Object.entries(ERRORS)) {
    assert.match(readme, new RegExp(`\\| \`${code}\` \\| ${spec.status} \\|`), code);
  }
});

test('the README runs the CLI as npx gomodproxy: a bare gomodproxy is not on PATH after npm ci', () => {
  const bare: string[] = [];
  // Shell blocks: a command at the start of a line (after an optional prompt) or after && ; |.
  for (const block of readme.matchAll(/```(?:sh|bash|shell|console)?\n([\s\S]*?)```/g)) {
    for (const line of (block[1] ?? '').split('\n')) {
      if (/(^|&&|;|\|)\s*(\$\s+)?(sudo\s+)?gomodproxy\s/.test(line)) bare.push(line);
    }
  }
  // Commands quoted in prose and headings.
  for (const span of readme.matchAll(/`(gomodproxy (?:serve|config|sumdb|bench|doctor|env)\b[^`]*)`/g)) bare.push(span[1] as string);
  assert.deepEqual(bare, [], 'write npx gomodproxy');
});

test('a GOSUMDB built from $(npx gomodproxy sumdb key …) takes only its first line, the key', async () => {
  const uses = [...readme.matchAll(/\$\((npx gomodproxy sumdb key[^)]*)\)/g)].map((m) => m[1] as string);
  assert.ok(uses.length > 0, 'the README builds a GOSUMDB from sumdb key');
  for (const use of uses) assert.match(use, /\| head -n1$/, use);
  // What the command prints: the key alone on the first line, then more (a GOSUMDB of all of it has too many fields).
  const key = generateKey('sum.gomodproxy.local').signerKey;
  const r = await runCli(['sumdb', 'key', '--data', '/nonexistent'], { GOMODPROXY_OWN_SUMDB_KEY: key });
  assert.equal(r.code, 0, r.stderr);
  const [first, ...rest] = r.stdout.split('\n');
  assert.equal(first, newSigner(key).verifierKey);
  assert.equal(newVerifier(first as string).name, 'sum.gomodproxy.local');
  assert.ok(rest.join('').trim() !== '', 'more lines follow the key');
});

test("every API path GET /api/v1 lists is in the README's JSON API table, the admin bundle import too", () => {
  const table = readme.slice(readme.indexOf('### JSON API'), readme.indexOf('## Choosing and checking a GOPROXY'));
  const paths = Object.values(API_INDEX).flatMap((v) => [...v.matchAll(/\/api\/v1[^\s,?]*/g)].map((m) => m[0]));
  assert.ok(paths.includes('/api/v1/admin/bundles'), 'GET /api/v1 lists POST /api/v1/admin/bundles');
  assert.deepEqual(
    paths.filter((p) => !table.includes(`${p.replace(/<cursor>$/, '')}`)),
    [],
  );
});

test('an on/off setting is written with its value outside the settings table: serve refuses a bare --s3-force-path-style', async () => {
  // A toggle takes on and off and nothing else (--auth off is a choice among off, private, all).
  const takes = async (flag: string, v: string) =>
    await loadConfig({ flags: { [flag]: v } }).then(
      () => true,
      () => false,
    );
  const toggles: string[] = [];
  for (const o of OPTIONS) if ((await takes(o.flag, 'on')) && (await takes(o.flag, 'off')) && !(await takes(o.flag, 'private'))) toggles.push(o.flag);
  assert.ok(toggles.includes('s3-force-path-style'));
  const prose = readme.replace(/<!-- settings table[\s\S]*?<!-- end of settings table -->/, '');
  const bare = toggles.flatMap((f) => [...prose.matchAll(new RegExp(`--${f}(?![\\w-])(?![ =](on|off|true|false)\\b)`, 'g'))].map((m) => m[0]));
  assert.deepEqual(bare, [], 'write --FLAG on (or off)');
  // What a bare one gets (a string setting takes the next argument, or none is left).
  const r = await runCli(['serve', '--s3-force-path-style']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--s3-force-path-style' needs a value/);
});
