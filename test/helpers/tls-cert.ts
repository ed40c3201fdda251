// A self-signed certificate for 127.0.0.1 made with the openssl command, for tests that serve https: the
// go command trusts it through SSL_CERT_FILE, node clients through an undici Agent with it as the CA.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Agent } from 'undici';

export interface TestCert {
  readonly cert: string;
  readonly key: string;
  /** A client that trusts only this certificate. */
  agent(): Promise<Agent>;
}

export async function makeCert(dir: string, name = 'server'): Promise<TestCert> {
  const cert = path.join(dir, `${name}.crt`);
  const key = path.join(dir, `${name}.key`);
  await promisify(execFile)(
    'openssl',
    [
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
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      key,
      '-out',
      cert,
    ],
    { timeout: 60_000 },
  );
  return { cert, key, agent: async () => new Agent({ connect: { ca: await readFile(cert) } }) };
}
