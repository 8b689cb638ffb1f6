/**
 * Encrypted secrets in the services repository. Beside `services/` lie
 *   - `secrets/<service>/<name>.age`: the value, age-encrypted (armored or binary) to the
 *     recipients of the service's node and of the operators;
 *   - `secrets/<service>/<name>.recipients`: the recipients it was encrypted to, one per line,
 *     so review sees who can read what (an age file does not name its recipients);
 *   - `.mcp/recipients.toml`: `[nodes]` and `[operators]`, each name -> age recipients.
 * The plain text exists only on the node that decrypts it, in memory and on its tmpfs.
 */

import { createHash } from 'node:crypto';
import type { Revision } from './spec.js';

/** The file of `.mcp/recipients.toml`, relative to the directory that holds services/. */
export const RECIPIENTS_FILE = '.mcp/recipients.toml';

/** The encrypted value of secret `name` of `service`. */
export const secretPath = (service: string, name: string): string => `secrets/${service}/${name}.age`;

/** The record of who `secretPath(service, name)` was encrypted to. */
export const recordPath = (service: string, name: string): string => `secrets/${service}/${name}.recipients`;

/** A component's use of a secret: as an environment variable or as a read-only file. */
export interface SecretUse {
  name: string;
  env?: string;
  file?: string;
  /** With `file`: permission bits. */
  mode?: number;
  /**
   * Filled on the node after decryption: a keyed digest of the plain text (HMAC under a key
   * only the node has), so the spec hash follows a rotation and nobody can test guesses.
   */
  digest?: string;
}

/** `.mcp/recipients.toml`: who may read the secrets of which node's services. */
export interface Recipients {
  nodes: Record<string, string[]>;
  operators: Record<string, string[]>;
}

/** The recipients a secret of a service on `node` must be encrypted to: the node's and every operator's. */
export const recipientsFor = (r: Recipients, node: string): string[] =>
  [...new Set([...(r.nodes[node] ?? []), ...Object.values(r.operators).flat()])].sort();

/** The recipients a record lists: one per line, blank lines and `#` comments ignored. */
export const parseRecord = (text: string): string[] =>
  [
    ...new Set(
      text
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l !== '' && !l.startsWith('#')),
    ),
  ].sort();

/** The text of a record for `recipients`. */
export const formatRecord = (recipients: readonly string[]): string =>
  `# who can read this secret (age recipients); written by mcp secret\n${[...recipients].sort().join('\n')}\n`;

/** Largest secret file a source reads: a secret is a password or a key, not a data set. */
export const SECRET_LIMIT_BYTES = 64 * 1024;

/** The start of a file as text, leading white space dropped: where an age header is looked for. */
const headOf = (bytes: Uint8Array): string =>
  Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart();

/** True when `bytes` start as an armored age file (`-----BEGIN AGE ENCRYPTED FILE-----`). */
export const isArmoredAge = (bytes: Uint8Array): boolean =>
  headOf(bytes).startsWith('-----BEGIN AGE ENCRYPTED FILE-----');

/** True when `bytes` start like an age file, armored or binary (`age-encryption.org/v1`). */
export const looksLikeAge = (bytes: Uint8Array): boolean =>
  isArmoredAge(bytes) || headOf(bytes).startsWith('age-encryption.org/v1\n');

/** An age X25519 recipient (`age1` + 58 bech32 characters). */
export const isAgeRecipient = (s: string): boolean => /^age1[02-9ac-hj-np-z]{58}$/.test(s);

/** What a source read of a revision's secrets: `.mcp/recipients.toml` and the files under `secrets/`. */
export interface RepoSecrets {
  /** The text of `.mcp/recipients.toml`, when the revision has one. */
  recipients?: string;
  /** `secrets/<service>/<file>` -> its bytes. */
  files: ReadonlyMap<string, Uint8Array>;
}

export const NO_SECRETS: RepoSecrets = { files: new Map() };

/**
 * `revision` with each secret use's digest standing for its ciphertext: what a planner that
 * cannot decrypt (the CLI) compares, so `mcp plan` says "secret NAME changed" for a new
 * ciphertext. A node compares keyed digests of the plain text instead.
 */
export const fingerprintSecrets = (revision: Revision): Revision => ({
  ...revision,
  services: revision.services.map((s) =>
    s.secrets
      ? {
          ...s,
          components: s.components.map((c) =>
            c.secrets
              ? {
                  ...c,
                  secrets: c.secrets.map((u) => ({
                    ...u,
                    digest: createHash('sha256')
                      .update(s.secrets?.[u.name] ?? '')
                      .digest('hex')
                      .slice(0, 32),
                  })),
                }
              : c,
          ),
        }
      : s,
  ),
});
