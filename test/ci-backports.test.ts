// .ci/debian-backports, run against apt configurations written here (APT_ETC): it adds the backports
// suite from the machine's own Debian mirror, in deb822 and one-line setups, once, and fails clearly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const SCRIPT = path.resolve(import.meta.dirname, '..', '.ci', 'debian-backports');
const ADDED = 'sources.list.d/gomodproxy-backports.sources';
const BOOKWORM = 'ID=debian\nVERSION_CODENAME=bookworm\n';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  added?: string;
}

/** Runs the script against an apt directory holding files (relative path → content). */
async function run(files: Record<string, string>, osRelease = BOOKWORM, runs = 1): Promise<Run[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'gmp-apt-'));
  try {
    await mkdir(path.join(dir, 'sources.list.d'));
    for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
    await writeFile(path.join(dir, 'os-release'), osRelease);
    const results: Run[] = [];
    for (let i = 0; i < runs; i++) {
      const r = await new Promise<Run>((resolve) => {
        const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', APT_ETC: dir, OS_RELEASE: path.join(dir, 'os-release') };
        execFile('bash', [SCRIPT], { env }, (err, stdout, stderr) => resolve({ code: err === null ? 0 : Number(err.code), stdout, stderr }));
      });
      r.added = await readFile(path.join(dir, ADDED), 'utf8').catch(() => undefined);
      results.push(r);
    }
    assert.deepEqual(
      (await readdir(path.join(dir, 'sources.list.d'))).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );
    return results;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const DEB822 = `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`;

test('a deb822 setup gets bookworm-backports from its own mirror, once', async () => {
  const [first, second] = await run({ 'sources.list.d/debian.sources': DEB822 }, BOOKWORM, 2);
  assert.equal(first?.code, 0, first?.stderr);
  assert.match(
    first?.added ?? '',
    /\nURIs: http:\/\/mirror\.example\/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: \/usr\/share\/keyrings\/debian-archive-keyring\.gpg\n$/,
  );
  assert.equal(second?.code, 0, second?.stderr);
  assert.match(second?.stdout ?? '', /bookworm-backports is already an apt source/);
});

test('a one-line sources.list with options gets the mirror and keyring of its bookworm line', async () => {
  const list = [
    '# deb http://old.example/debian bookworm main',
    'deb-src http://src.example/debian bookworm main',
    'deb http://security.example/debian-security bookworm-security main',
    'deb [ arch=amd64 signed-by=/etc/apt/keyrings/mirror.gpg ] https://mirror.example/debian/ bookworm main contrib',
  ].join('\n');
  const [r] = await run({ 'sources.list': `${list}\n` });
  assert.equal(r?.code, 0, r?.stderr);
  assert.match(r?.added ?? '', /\nURIs: https:\/\/mirror\.example\/debian\/\nSuites: bookworm-backports\n.*\nSigned-By: \/etc\/apt\/keyrings\/mirror\.gpg\n$/s);
});

test('an existing backports source, in either format, is left alone', async () => {
  const [r] = await run({ 'sources.list.d/debian.sources': DEB822, 'sources.list.d/extra.list': 'deb http://other.example/debian bookworm-backports main\n' });
  assert.equal(r?.code, 0, r?.stderr);
  assert.equal(r?.added, undefined);
});

test('no enabled bookworm source, or not Debian, is a clear error and writes nothing', async () => {
  const [disabled] = await run({ 'sources.list.d/debian.sources': DEB822.replace('Types: deb\n#', 'Enabled: no\nTypes: deb\n#') });
  assert.equal(disabled?.code, 1);
  assert.match(disabled?.stderr ?? '', /no enabled apt source carries bookworm/);
  assert.equal(disabled?.added, undefined);
  const [ubuntu] = await run({ 'sources.list.d/debian.sources': DEB822 }, 'ID=ubuntu\nVERSION_CODENAME=noble\n');
  assert.equal(ubuntu?.code, 1);
  assert.match(ubuntu?.stderr ?? '', /does not describe a Debian release/);
});
