/**
 * Secrets without podman: validation locates every problem with no private key at hand; the
 * keeper seals with a keyed digest (stable for a value, blind to re-encryption, different
 * under another node key), decrypts nothing on a pass over the same revision, refuses what
 * its key cannot open, and writes file secrets with their mode; the plan says "secret NAME
 * changed" and shows no value.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { armor, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { planPosted } from '../../src/agent/live-plan.js';
import { inProcessLoader } from '../../src/agent/revision-loader.js';
import { coreDumpWarning, openSecrets, SecretKeeper } from '../../src/agent/secrets/index.js';
import { diffSpecs } from '../../src/domain/diff.js';
import { specHash } from '../../src/domain/hash.js';
import { fingerprintSecrets, formatRecord, type RepoSecrets } from '../../src/domain/secrets.js';
import type { Revision } from '../../src/domain/spec.js';
import { formatSpecError } from '../../src/domain/spec-error.js';
import { changeText } from '../../src/render/plan-changes.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { renderServiceFile } from '../../src/validate/service-toml.js';
import { harness } from '../support/agent-harness.js';

const key = { node: '', nodeR: '', ops: '', opsR: '', other: '', otherR: '' };
let shm = '';

before(async () => {
  for (const who of ['node', 'ops', 'other'] as const) {
    key[who] = await generateIdentity();
    key[`${who}R`] = await identityToRecipient(key[who]);
  }
  shm = await mkdtemp('/dev/shm/mcp-unit-secrets-');
});
after(() => rm(shm, { recursive: true, force: true }));

const encrypt = async (value: string, to: string[]): Promise<Uint8Array> => {
  const e = new Encrypter();
  for (const r of to) e.addRecipient(r);
  return new TextEncoder().encode(armor.encode(await e.encrypt(value)));
};

const SERVICE = `name = "app"
node = "rift"
[[components]]
name = "web"
image = "localhost/app:v1"
secrets = [{ name = "db", env = "DB" }, { name = "tls", file = "/run/secrets/tls", mode = "0440" }]
`;

const repo = async (
  values: Record<string, string> = { db: 'pw-1', tls: 'key-1' },
  opts: { to?: string[]; record?: string[]; recipients?: string } = {},
): Promise<RepoSecrets> => {
  const to = opts.to ?? [key.nodeR, key.opsR];
  const files = new Map<string, Uint8Array>();
  for (const [name, value] of Object.entries(values)) {
    files.set(`secrets/app/${name}.age`, await encrypt(value, to));
    files.set(`secrets/app/${name}.recipients`, new TextEncoder().encode(formatRecord(opts.record ?? to)));
  }
  return {
    recipients: opts.recipients ?? `[nodes]\nrift = ["${key.nodeR}"]\n[operators]\nalice = ["${key.opsR}"]\n`,
    files,
  };
};

const load = (secrets: RepoSecrets, text = SERVICE) =>
  loadRevisionFromFiles([{ path: 'services/app.toml', text }], 'c0ffee', [], secrets);

const revisionOf = async (secrets: RepoSecrets): Promise<Revision> => {
  const r = load(secrets);
  assert.ok(r.ok, r.ok ? '' : r.errors.map(formatSpecError).join('\n'));
  return r.revision;
};

describe('validation of secrets', () => {
  it('accepts a revision whose secrets exist and are recorded for the node and the operators', async () => {
    const r = await revisionOf(await repo());
    assert.deepEqual(r.services[0].components[0].secrets, [
      { name: 'db', env: 'DB' },
      { name: 'tls', file: '/run/secrets/tls', mode: 0o440 },
    ]);
    assert.deepEqual(Object.keys(r.services[0].secrets ?? {}), ['db', 'tls']);
  });

  it('locates a missing secret, a missing record, a record without the node, and a bad recipients file', async () => {
    const missing = await repo({ db: 'x' });
    const noRecord = await repo();
    (noRecord.files as Map<string, Uint8Array>).delete('secrets/app/tls.recipients');
    const stale = await repo(undefined, { record: [key.opsR] });
    const bad = await repo(undefined, { recipients: `[nodes]\nrift = ["age1nope"]\n` });
    const errors = (s: RepoSecrets) => {
      const r = load(s);
      return r.ok ? [] : r.errors.map(formatSpecError);
    };
    assert.deepEqual(errors(missing), [
      "services/app.toml:6:43 components[0].secrets[1].name: secret 'tls' is not in the revision (no secrets/app/tls.age); hint: mcp secret set app tls < FILE",
    ]);
    assert.match(errors(noRecord).join('\n'), /^secrets\/app\/tls\.age: has no record of its recipients/);
    assert.deepEqual(
      errors(stale).map((e) => e.replace(/age1\w+/g, 'R')),
      [
        "secrets/app/db.age: is not encrypted to R (.mcp/recipients.toml lists them for node 'rift' or its operators); hint: mcp secret rotate-recipients app",
        "secrets/app/tls.age: is not encrypted to R (.mcp/recipients.toml lists them for node 'rift' or its operators); hint: mcp secret rotate-recipients app",
      ],
    );
    assert.match(
      errors(bad).join('\n'),
      /^\.mcp\/recipients\.toml:2:9 nodes\.rift\[0\]: 'age1nope' is not an age recipient/m,
    );
  });

  it('refuses env and file together, mode without file, and secrets on a unikernel', () => {
    const text = `name = "app"\nnode = "rift"\n[[components]]\nname = "vm"\nkind = "unikernel"\nimage = "/var/lib/mcp/images/a.img"\nsecrets = [{ name = "db", env = "DB", file = "/x", mode = "0400" }]\n`;
    const r = load({ files: new Map() }, text);
    assert.ok(!r.ok);
    const lines = r.errors.map(formatSpecError).join('\n');
    assert.match(lines, /'secrets' does not apply to unikernel components/);
    assert.match(lines, /secret 'db' needs exactly one of env and file/);
  });
});

describe('the keeper', () => {
  it('seals with a keyed digest: stable for a value, blind to re-encryption, changed by a new value, never the value', async () => {
    const keeper = new SecretKeeper([key.node], shm);
    const one = (await keeper.seal((await revisionOf(await repo())).services)).services[0];
    const again = (await keeper.seal((await revisionOf(await repo())).services)).services[0];
    const rotated = (await keeper.seal((await revisionOf(await repo({ db: 'pw-2', tls: 'key-1' }))).services))
      .services[0];
    const web = (s: typeof one) => s.components[0];
    assert.equal(specHash(web(again)), specHash(web(one)), 're-encrypted, same values: same hash');
    assert.notEqual(specHash(web(rotated)), specHash(web(one)), 'a new value: a new hash');
    assert.equal(web(rotated).secrets?.[1].digest, web(one).secrets?.[1].digest, 'tls did not change');
    assert.ok(!JSON.stringify(one).includes('pw-1'));
    // Another node's key gives other digests for the same values: nothing to test guesses against.
    const elsewhere = new SecretKeeper([key.other], shm);
    const theirs = await elsewhere.seal(
      (
        await revisionOf(
          await repo(undefined, { to: [key.nodeR, key.otherR], record: [key.nodeR, key.opsR, key.otherR] }),
        )
      ).services,
    );
    assert.notEqual(theirs.services[0]?.components[0].secrets?.[0].digest, web(one).secrets?.[0].digest);
  });

  it('decrypts nothing on a pass over the same revision', async () => {
    const keeper = new SecretKeeper([key.node], shm);
    const services = (await revisionOf(await repo())).services;
    const first = await keeper.seal(services);
    const count = keeper.decryptions;
    const second = await keeper.seal(services);
    assert.equal(keeper.decryptions, count, 'no decryption');
    assert.equal(second.services[0], first.services[0], 'the same sealed objects, so hashes stay memoised');
  });

  it('refuses a secret its key cannot open, and a keeper without a key refuses all', async () => {
    const services = (
      await revisionOf(await repo(undefined, { to: [key.otherR], record: [key.nodeR, key.opsR] }))
    ).services;
    const refused = (await new SecretKeeper([key.node], shm).seal(services)).refused;
    assert.deepEqual(
      refused.map((r) => `${r.file}: ${r.reason.split(' (')[0]}`),
      ["secrets/app/db.age: not encrypted to this node's key"],
    );
    const none = (await new SecretKeeper([], shm).seal(services)).refused;
    assert.match(none[0].reason, /no \[secrets\] identity_file/);
  });

  it("delivers env entries and files with their mode, and prunes an instance's files", async () => {
    const keeper = new SecretKeeper([key.node], shm);
    const web = (await keeper.seal((await revisionOf(await repo())).services)).services[0].components[0];
    const delivery = await keeper.deliver(web, 'h1');
    assert.deepEqual(delivery?.env, ['DB=pw-1']);
    const file = delivery?.files[0];
    assert.equal(file?.target, '/run/secrets/tls');
    assert.equal(await readFile(file!.source, 'utf8'), 'key-1');
    assert.equal((await stat(file!.source)).mode & 0o777, 0o440);
    // Before a start: present files are left alone (no decryption), lost ones written again.
    const count = keeper.decryptions;
    await keeper.restore(web, 'h1');
    assert.equal(keeper.decryptions, count);
    await rm(file!.source);
    await keeper.restore(web, 'h1');
    assert.equal(await readFile(file!.source, 'utf8'), 'key-1');
    await keeper.prune('app-web');
    await assert.rejects(stat(file!.source));
  });
});

describe('a sealed spec written back as a service file (mcp service show|export)', () => {
  it('keeps the uses and drops the digests', async () => {
    const keeper = new SecretKeeper([key.node], shm);
    const secrets = await repo();
    const sealed = (await keeper.seal((await revisionOf(secrets)).services)).services[0];
    const text = renderServiceFile(sealed);
    assert.doesNotMatch(text, /digest|[0-9a-f]{32}/);
    const back = load(secrets, text);
    assert.ok(back.ok);
    assert.deepEqual(
      back.revision.services[0].components[0].secrets,
      sealed.components[0].secrets?.map(({ digest, ...use }) => use),
    );
  });
});

describe('the plan of a new ciphertext', () => {
  it('says "secret NAME changed" and nothing of the value', async () => {
    const from = fingerprintSecrets(await revisionOf(await repo()));
    const to = fingerprintSecrets(await revisionOf(await repo({ db: 'pw-2', tls: 'key-1' })));
    const changes = diffSpecs(from.services[0].components[0], to.services[0].components[0]).map(changeText);
    assert.deepEqual(changes, ['secret db changed', 'secret tls changed']);
  });
});

describe('[secrets] at start', () => {
  it('wants an identity file of the agent alone, with an identity in it, and a runtime_dir on a tmpfs', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-unit-identity-'));
    try {
      const file = join(dir, 'node.key');
      await writeFile(file, `# created by age-keygen\n${key.node}\n`, { mode: 0o644 });
      await assert.rejects(openSecrets({ identity_file: file, runtime_dir: join(shm, 'run') }), {
        code: 'INVALID_CONFIG',
        message: new RegExp(`identity_file ${file} is readable by others \\(mode 644\\)`),
      });
      await chmod(file, 0o600);
      await assert.rejects(openSecrets({ identity_file: file, runtime_dir: join(dir, 'run') }), {
        code: 'INVALID_CONFIG',
        message: /runtime_dir .* is not on a tmpfs/,
      });
      const keeper = await openSecrets({ identity_file: file, runtime_dir: join(shm, 'run') });
      assert.ok(keeper instanceof SecretKeeper);
      await writeFile(file, '# nothing\n');
      await assert.rejects(openSecrets({ identity_file: file, runtime_dir: join(shm, 'run') }), {
        message: /holds no age identity/,
      });
      await assert.rejects(openSecrets({ identity_file: join(dir, 'none'), runtime_dir: join(shm, 'run') }), {
        message: /ENOENT/,
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('warns when core dumps are on, from the soft limit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mcp-unit-limits-'));
    try {
      const limits = (soft: string) =>
        `Limit                     Soft Limit           Hard Limit           Units\nMax core file size        ${soft}                    unlimited            bytes\n`;
      await writeFile(join(dir, 'off'), limits('0'));
      await writeFile(join(dir, 'on'), limits('unlimited'));
      assert.equal(await coreDumpWarning(join(dir, 'off')), undefined);
      assert.match(
        (await coreDumpWarning(join(dir, 'on'))) ?? '',
        /core dumps are on \(soft limit unlimited\)/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the live plan (POST /v1/plan) of posted secrets', () => {
  it('is decided on the values: a new one recreates, a re-encryption of the same one does not', async () => {
    const keeper = new SecretKeeper([key.node], shm);
    const h = await harness('rift', { secrets: keeper });
    h.runtime.addImage('localhost/app:v1');
    h.serve((await revisionOf(await repo())).services);
    assert.equal((await h.pass()).status.counts.created, 1);
    const post = async (posted: RepoSecrets) =>
      planPosted(
        { node: 'rift', runtimes: { container: h.runtime }, store: h.store, secrets: keeper },
        inProcessLoader(),
        {
          files: [
            { path: 'services/app.toml', text: SERVICE },
            { path: '.mcp/recipients.toml', text: posted.recipients! },
            ...[...posted.files].map(([path, bytes]) => ({
              path,
              base64: Buffer.from(bytes).toString('base64'),
            })),
          ],
        },
      ).then((p) =>
        p.stages.flat().map((a) => `${a.kind} ${a.name} ${(a.changes ?? []).map((c) => c.field).join(',')}`),
      );
    assert.deepEqual(await post(await repo()), ['unchanged app-web '], 'same values, new ciphertexts');
    assert.deepEqual(await post(await repo({ db: 'pw-2', tls: 'key-1' })), ['recreate app-web secret db']);
  });
});
