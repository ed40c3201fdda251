// The CAs the go command trusts, against a private CA made with openssl and a real https server on 127.0.0.1:
// SSL_CERT_DIR (a `:` list of directories of PEM files), SSL_CERT_FILE, and what each leaves of the system's roots.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { Agent, request } from 'undici';
import { TEST_FETCH } from '../../test/helpers/fetch-options.js';
import { HttpFetcher } from './http-fetcher.js';
import { trustedCAs } from './tls-trust.js';
import type { SystemRoots } from './tls-trust.js';

const openssl = (...args: string[]) => promisify(execFile)('openssl', args, { timeout: 60_000 });
let dir: string;
let server: Server;
let url: string;
/** The private CA that signed the server's certificate, and another that did not. */
let ca: string;
let otherCa: string;
/** Directories: the CA alone, the CA beside files that are no certificates, the other CA, nothing. */
const dirs = { ca: '', mixed: '', other: '', empty: '' };

async function makeCa(name: string): Promise<{ cert: string; key: string }> {
  const [cert, key] = [path.join(dir, `${name}.pem`), path.join(dir, `${name}.key`)];
  await openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-days',
    '2',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    key,
    '-out',
    cert,
  );
  return { cert, key };
}

before(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'gmp-tls-trust-'));
  const root = await makeCa('private-ca');
  otherCa = (await makeCa('other-ca')).cert;
  ca = root.cert;
  // The server's own key and a certificate for 127.0.0.1 signed by the private CA.
  const [key, csr, cert, ext] = ['server.key', 'server.csr', 'server.pem', 'server.ext'].map((f) => path.join(dir, f)) as [string, string, string, string];
  await openssl('req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', key, '-out', csr);
  await writeFile(ext, 'subjectAltName=IP:127.0.0.1\n');
  await openssl('x509', '-req', '-in', csr, '-CA', root.cert, '-CAkey', root.key, '-CAcreateserial', '-days', '2', '-extfile', ext, '-out', cert);
  server = createServer({ key: await readFile(key), cert: await readFile(cert) }, (_req, res) => res.end('ok'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  for (const name of Object.keys(dirs) as (keyof typeof dirs)[]) {
    dirs[name] = path.join(dir, `dir-${name}`);
    await mkdir(dirs[name]);
  }
  await writeFile(path.join(dirs.ca, 'private.crt'), await readFile(ca));
  await writeFile(path.join(dirs.mixed, 'README'), 'certificates of the company\n');
  await writeFile(path.join(dirs.mixed, 'server.key'), await readFile(key));
  await mkdir(path.join(dirs.mixed, 'sub'));
  // A link out of the directory is read; a c_rehash link to a name beside it is skipped (it only repeats it).
  await symlink(ca, path.join(dirs.mixed, 'private.pem'));
  await symlink('private.pem', path.join(dirs.mixed, 'abcdef01.0'));
  await writeFile(path.join(dirs.other, 'other.pem'), await readFile(otherCa));
});

after(async () => {
  server?.close();
  await rm(dir, { recursive: true, force: true });
});

/** What a client trusting these CAs gets from the server: 'ok', or the TLS error's code. */
async function reach(cas: string[] | undefined): Promise<string> {
  const agent = new Agent(cas === undefined ? {} : { connect: { ca: cas } });
  try {
    const res = await request(url, { dispatcher: agent });
    return await res.body.text();
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  } finally {
    await agent.close();
  }
}

/** System roots of this test's own, so what is kept of them does not depend on the machine. */
const system = (): SystemRoots => ({ files: [path.join(dir, 'missing.pem'), otherCa, ca], dirs: [dirs.other] });

test('without SSL_CERT_FILE or SSL_CERT_DIR, Node keeps its own roots, which do not know a private CA', async () => {
  assert.equal(trustedCAs({}), undefined);
  assert.equal(trustedCAs({ SSL_CERT_FILE: '', SSL_CERT_DIR: '' }), undefined);
  assert.equal(await reach(undefined), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test('SSL_CERT_DIR: the PEM files of every directory of the list are trusted, other files and missing directories are skipped', async () => {
  assert.equal(await reach(trustedCAs({ SSL_CERT_DIR: dirs.ca })), 'ok');
  assert.equal(await reach(trustedCAs({ SSL_CERT_DIR: `${path.join(dir, 'nowhere')}:${dirs.empty}:${dirs.mixed}` })), 'ok');
  const mixed = trustedCAs({ SSL_CERT_DIR: dirs.mixed, SSL_CERT_FILE: path.join(dir, 'missing.pem') }, system());
  assert.equal(mixed?.length, 1, 'the key, the text, the folder and the hash link add nothing');
  assert.equal(await reach(trustedCAs({ SSL_CERT_DIR: `${dirs.other}:${dirs.empty}` }, system())), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
});

test("SSL_CERT_DIR replaces only the system's directories: its first readable bundle file is still trusted", () => {
  const both = trustedCAs({ SSL_CERT_DIR: dirs.empty }, system());
  // missing.pem cannot be read, so the next one (the other CA) is the bundle; the one after it is never read.
  assert.deepEqual(both, trustedCAs({ SSL_CERT_FILE: otherCa, SSL_CERT_DIR: dirs.empty }, system()));
  assert.equal(both?.length, 1);
});

test("SSL_CERT_FILE replaces only the system's bundle files: its directories are still read", async () => {
  const cas = trustedCAs({ SSL_CERT_FILE: ca }, system());
  assert.equal(cas?.length, 2, 'the file and the directory of the other CA');
  assert.equal(await reach(cas), 'ok');
  // A file that cannot be read leaves the directories: with both set to nothing usable, nothing is trusted.
  assert.equal(trustedCAs({ SSL_CERT_FILE: path.join(dir, 'missing.pem') }, system())?.length, 1);
});

test('a certificate in the bundle file and in a directory, or twice in one file, is trusted once, as Go pools it once', async () => {
  const pem = await readFile(ca, 'utf8');
  // The same certificate again, its base64 wrapped otherwise (one line): the same bytes.
  const oneLine = pem.replace(/\n(?!-----)/g, '').replace(/-----BEGIN CERTIFICATE-----/, '$&\n');
  const twice = path.join(dir, 'twice.pem');
  await writeFile(twice, `${pem}${oneLine}\n`);
  const cas = trustedCAs({ SSL_CERT_FILE: twice, SSL_CERT_DIR: `${dirs.ca}:${dirs.mixed}` });
  assert.equal(cas?.length, 1);
  assert.equal(await reach(cas), 'ok');
});

test("with both set, none of the system's roots are trusted, as for the go command", async () => {
  const cas = trustedCAs({ SSL_CERT_FILE: otherCa, SSL_CERT_DIR: dirs.empty }, system());
  assert.equal(cas?.length, 1);
  assert.equal(await reach(cas), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  assert.deepEqual(trustedCAs({ SSL_CERT_FILE: path.join(dir, 'missing.pem'), SSL_CERT_DIR: dirs.empty }, system()), []);
  assert.equal(await reach([]), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'an empty list trusts nothing');
});

test('an upstream fetcher given these CAs reaches an upstream behind the private CA, and one without them does not', async () => {
  const body = async (res: { body: AsyncIterable<unknown> }) => {
    let text = '';
    for await (const chunk of res.body) text += String(chunk);
    return text;
  };
  const trusting = new HttpFetcher(url, { ...TEST_FETCH, ca: trustedCAs({ SSL_CERT_DIR: dirs.ca }) });
  const plain = new HttpFetcher(url, TEST_FETCH);
  try {
    assert.equal(await trusting.fetch('/example.com/m/@v/list', 'list', body), 'ok');
    await assert.rejects(plain.fetch('/example.com/m/@v/list', 'list', body), /certificate|verify|unreachable/i);
  } finally {
    await trusting.close();
    await plain.close();
  }
});
