/** A self-signed certificate for 127.0.0.1, for tests of the agent's TLS and of clients trusting it. */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Writes `<dir>/<name>.key` and `<dir>/<name>.crt` (valid one day); returns their paths. */
export const selfSignedCert = (dir: string, name = 'agent'): { key: string; cert: string } => {
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      key,
      '-out',
      cert,
    ]),
    { stdio: 'ignore' },
  );
  return { key, cert };
};
