// The certificate authorities the go command trusts, for the commands that talk to the same proxies: Go on
// Unix adds the file SSL_CERT_FILE names to the system's roots, so a proxy behind a private CA that the go
// command reaches is reached by publish, warm, bundle, sumdb key, env --check, doctor and bench too.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';

type Env = Readonly<Record<string, string | undefined>>;

/**
 * undici's connect.ca: Node's roots plus SSL_CERT_FILE; undefined (Node's defaults) when it is not set or
 * cannot be read, which Go ignores the same way (the certificate error then says what is missing).
 */
export function trustedCAs(env: Env): (string | Buffer)[] | undefined {
  const file = env.SSL_CERT_FILE;
  if (file === undefined || file === '') return undefined;
  try {
    return [...rootCertificates, readFileSync(file)];
  } catch {
    return undefined;
  }
}
