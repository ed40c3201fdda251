// The certificate authorities the go command trusts on Linux, for gomodproxy's own https clients (its
// upstreams, checksum databases and followed feeds; publish, warm, bundle, sumdb key, env --check, doctor and
// bench): a proxy behind a private CA that the go command reaches is reached by them too. Go's crypto/x509
// (root_unix.go, root_linux.go) reads the system's roots from the first readable of a few bundle files plus
// every file of a few directories; SSL_CERT_FILE replaces those files and SSL_CERT_DIR (a `:`-separated list)
// those directories, each on its own. Set both, and none of the system's roots are trusted.
import { X509Certificate } from 'node:crypto';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';

type Env = Readonly<Record<string, string | undefined>>;

export interface SystemRoots {
  /** Bundle files, in order: the first one that can be read is used. */
  readonly files: readonly string[];
  /** Directories, every one read. */
  readonly dirs: readonly string[];
}

/** Go's Linux defaults (crypto/x509/root_linux.go). */
export const LINUX_ROOTS: SystemRoots = {
  files: [
    '/etc/ssl/certs/ca-certificates.crt',
    '/etc/pki/tls/certs/ca-bundle.crt',
    '/etc/ssl/ca-bundle.pem',
    '/etc/pki/tls/cacert.pem',
    '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
    '/etc/ssl/cert.pem',
  ],
  dirs: ['/etc/ssl/certs', '/etc/pki/tls/certs'],
};

/**
 * undici's connect.ca: with neither SSL_CERT_FILE nor SSL_CERT_DIR set, undefined (Node's own roots, which
 * stand for the system's); else the certificates Go would trust, read once now. Files that cannot be read and
 * PEM blocks that are not certificates are skipped, as Go skips them; trusting nothing (an empty list) makes
 * every https connection fail, as it does for the go command.
 */
export function trustedCAs(env: Env, system: SystemRoots = LINUX_ROOTS): string[] | undefined {
  const file = env.SSL_CERT_FILE ?? '';
  const dir = env.SSL_CERT_DIR ?? '';
  if (file === '' && dir === '') return undefined;
  const texts: string[] = [];
  for (const f of file === '' ? system.files : [file]) {
    const text = readText(f);
    if (text === undefined) continue;
    texts.push(text);
    break;
  }
  for (const d of dir === '' ? system.dirs : dir.split(':')) for (const f of dirFiles(d)) texts.push(readText(f) ?? '');
  return certificates(texts);
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    // Missing, unreadable, or a directory.
    return undefined;
  }
}

/**
 * The entries of a directory in name order (Go's os.ReadDir), without symbolic links to a name in the same
 * directory (c_rehash's hash links, which would only repeat a certificate); a directory that cannot be read
 * gives none.
 */
function dirFiles(dir: string): string[] {
  let entries: import('node:fs').Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    // Go joins the name with "/" as written, so "" is the root and a trailing slash is doubled harmlessly.
    const file = `${dir}/${e.name}`;
    if (e.isSymbolicLink() && !readLinkOr(file).includes('/')) continue;
    out.push(file);
  }
  return out;
}

function readLinkOr(file: string): string {
  try {
    return readlinkSync(file);
  } catch {
    return '/';
  }
}

const PEM_BLOCK = /-----BEGIN ([^-\r\n]+)-----\r?\n([\s\S]*?)-----END \1-----/g;

/**
 * The CERTIFICATE blocks of PEM texts that parse, as Go's CertPool.AppendCertsFromPEM takes them, each certificate
 * once: Go's pool skips one it holds already, and a system's bundle file repeats its directory's certificates
 * (Debian's /etc/ssl/certs holds both, every root three times), so each is parsed once, not three times at every start.
 */
function certificates(texts: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const text of texts) {
    for (const m of text.matchAll(PEM_BLOCK)) {
      const body = m[2] ?? '';
      // Go takes only blocks of this type with no headers (RFC 1421 "Name: value" lines).
      if (m[1] !== 'CERTIFICATE' || /^[^\s:]+:/m.test(body)) continue;
      // The same DER bytes, however the base64 is wrapped.
      const der = body.replace(/\s+/g, '');
      if (seen.has(der)) continue;
      seen.add(der);
      try {
        out.push(new X509Certificate(m[0]).toString());
      } catch {
        // Not a certificate Go would parse either.
      }
    }
  }
  return out;
}
