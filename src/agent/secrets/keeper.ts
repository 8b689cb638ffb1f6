/**
 * The node's side of the services' secrets. A new revision is sealed once: each secret a
 * component of this node names is decrypted, and its keyed digest (HMAC under a key derived
 * from the node's identity) goes into the component's spec, so the spec hash follows a new
 * value, not a new ciphertext of the same value, and the digest tells nobody anything. The
 * plain text is decrypted again only when an instance is created or started, and goes
 * straight to the container: an env entry in the create request, or a file on the tmpfs.
 * Nothing here logs, returns or records a plain text.
 */
import { createHash, createHmac, hkdfSync } from 'node:crypto';
import { access, chmod, chown, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type AgeError, decryptAge } from '../../adapters/age/crypt.js';
import { McpError } from '../../domain/errors.js';
import { secretPath } from '../../domain/secrets.js';
import { type ComponentSpec, instanceName, type ServiceSpec } from '../../domain/spec.js';
import type { SecretDelivery } from '../../ports/instance-runtime.js';

/** A service whose secrets this node cannot read: it keeps its running version. */
export interface Refusal {
  service: string;
  /** The secret's file in the repository. */
  file: string;
  reason: string;
}

type Opened = { digest: string } | { reason: string };

const SEALED_LIMIT = 4096;

export class SecretKeeper {
  private readonly key?: Buffer;
  /** Ciphertext fingerprint -> digest or why it cannot be read; only those of the last sealed revision are kept. */
  private opened = new Map<string, Opened>();
  /**
   * Digest -> the ciphertext (base64) it was read from, for delivery; kept across revisions
   * (up to SEALED_LIMIT), so a rollback to an earlier value can still be delivered.
   */
  private readonly sealed = new Map<string, string>();
  private readonly memo = new WeakMap<ServiceSpec, { service: ServiceSpec } | { refusal: Refusal }>();
  /** Decryptions done, for the benchmark and the tests that count them. */
  decryptions = 0;

  /**
   * @param identities the node's age identities (`AGE-SECRET-KEY-1...`); none: every secret is refused.
   * @param runtimeDir the tmpfs directory file secrets are written to.
   */
  constructor(
    private readonly identities: readonly string[],
    private readonly runtimeDir: string,
  ) {
    if (identities.length > 0)
      this.key = Buffer.from(hkdfSync('sha256', identities.join('\n'), '', 'mcp secret digest', 32));
  }

  /**
   * The services with every secret use given its digest, and the services whose secrets
   * cannot be read (left out of `services`). Services without secrets are returned as they are.
   */
  async seal(services: readonly ServiceSpec[]): Promise<{ services: ServiceSpec[]; refused: Refusal[] }> {
    const out: ServiceSpec[] = [];
    const refused: Refusal[] = [];
    const opened = new Map<string, Opened>();
    for (const service of services) {
      if (!service.secrets) {
        out.push(service);
        continue;
      }
      const result = await this.sealService(service, opened);
      if ('refusal' in result) refused.push(result.refusal);
      else out.push(result.service);
    }
    this.opened = opened;
    return { services: out, refused };
  }

  private async sealService(
    service: ServiceSpec,
    opened: Map<string, Opened>,
  ): Promise<{ service: ServiceSpec } | { refusal: Refusal }> {
    const digests: Record<string, string> = {};
    for (const [name, ciphertext] of Object.entries(service.secrets ?? {})) {
      const print = createHash('sha256').update(ciphertext).digest('base64');
      const result = opened.get(print) ?? this.opened.get(print) ?? (await this.open(ciphertext));
      opened.set(print, result);
      if ('reason' in result)
        return {
          refusal: { service: service.name, file: secretPath(service.name, name), reason: result.reason },
        };
      digests[name] = result.digest;
      this.remember(result.digest, ciphertext);
    }
    const known = this.memo.get(service);
    if (known) return known;
    const result = {
      service: {
        ...service,
        components: service.components.map((c) =>
          c.secrets ? { ...c, secrets: c.secrets.map((u) => ({ ...u, digest: digests[u.name] })) } : c,
        ),
      },
    };
    this.memo.set(service, result);
    return result;
  }

  private remember(digest: string, ciphertext: string): void {
    this.sealed.delete(digest);
    this.sealed.set(digest, ciphertext);
    if (this.sealed.size > SEALED_LIMIT) this.sealed.delete(this.sealed.keys().next().value!);
  }

  private async open(ciphertext: string): Promise<Opened> {
    try {
      return { digest: this.digest(await this.decrypt(ciphertext)) };
    } catch (err) {
      return { reason: (err as Error).message };
    }
  }

  private digest(plain: Uint8Array): string {
    return createHmac('sha256', this.key!).update(plain).digest('hex').slice(0, 32);
  }

  /** The plain text of a ciphertext (base64 of the armored or binary file); errors say why, never what. */
  private async decrypt(ciphertext: string): Promise<Uint8Array> {
    if (!this.key) throw new Error('this node has no [secrets] identity_file to decrypt with');
    this.decryptions++;
    try {
      return await decryptAge(Buffer.from(ciphertext, 'base64'), this.identities);
    } catch (err) {
      const e = err as AgeError;
      throw new Error(
        e.kind === 'recipient'
          ? "not encrypted to this node's key (run mcp secret rotate-recipients after adding the node's recipient)"
          : e.kind === 'armor'
            ? e.message
            : `cannot be decrypted: ${e.message}`,
      );
    }
  }

  /**
   * What the instance of `spec` (created with spec hash `hash`) receives: env entries and
   * read-only files, the files written now on the tmpfs. Other hashes' files of the same
   * instance are removed: its earlier instance is gone by the time a new one is created.
   */
  async deliver(spec: ComponentSpec, hash: string): Promise<SecretDelivery | undefined> {
    if (!spec.secrets?.length) return undefined;
    const delivery: SecretDelivery = { env: [], files: [] };
    const dir = join(this.runtimeDir, instanceName(spec), hash);
    for (const use of spec.secrets) {
      const ciphertext = use.digest && this.sealed.get(use.digest);
      if (!ciphertext)
        throw new McpError(
          'SECRET_UNAVAILABLE',
          `the value of secret ${use.name} that ${instanceName(spec)}'s spec names is no longer in any revision this agent has read`,
        );
      const plain = await this.decrypt(ciphertext);
      if (this.digest(plain) !== use.digest)
        throw new McpError('SECRET_UNAVAILABLE', `secret ${use.name} changed while it was delivered`);
      if (use.env) delivery.env.push(`${use.env}=${Buffer.from(plain).toString('utf8')}`);
      else if (use.file) {
        await mkdir(dir, { recursive: true, mode: 0o700 });
        const path = join(dir, use.name);
        await writeFile(path, plain, { mode: 0o600 });
        const owner = ownerOf(spec.user);
        if (owner) await chown(path, owner.uid, owner.gid);
        await chmod(path, use.mode ?? 0o400);
        delivery.files.push({ source: path, target: use.file });
      }
    }
    await this.prune(instanceName(spec), hash);
    return delivery;
  }

  /**
   * Before a start: the file secrets of the instance of `spec` (created with `hash`) are
   * written again only when the tmpfs lost them (a reboot); present ones are left as they are,
   * and an env secret is already in the container.
   */
  async restore(spec: ComponentSpec, hash: string): Promise<void> {
    const files = (spec.secrets ?? []).filter((u) => u.file);
    if (files.length === 0) return;
    const dir = join(this.runtimeDir, instanceName(spec), hash);
    const present = await Promise.all(
      files.map((u) =>
        access(join(dir, u.name)).then(
          () => true,
          () => false,
        ),
      ),
    );
    if (present.every(Boolean)) return;
    await this.deliver(spec, hash);
  }

  /** Removes the files of instance `name` but those of `keep` (a hash). */
  async prune(name: string, keep?: string): Promise<void> {
    const dir = join(this.runtimeDir, name);
    for (const hash of await readdir(dir).catch(() => [] as string[]))
      if (hash !== keep) await rm(join(dir, hash), { recursive: true, force: true });
    if (keep === undefined) await rm(dir, { recursive: true, force: true });
  }
}

/** A numeric `uid[:gid]` user owns its file secrets; a named user (resolved only inside the image) does not. */
const ownerOf = (user: string | undefined): { uid: number; gid: number } | undefined => {
  const m = user && /^(\d+)(?::(\d+))?$/.exec(user);
  return m ? { uid: Number(m[1]), gid: Number(m[2] ?? m[1]) } : undefined;
};
