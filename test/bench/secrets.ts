/**
 * What secrets cost a pass: 50 services with one env secret each (age-encrypted to the node
 * and an operator) against the same 50 without, on the in-memory runtime, in one run. Reports
 * the median of the pass that creates them, of a no-op pass (its runtime API calls and
 * decryptions: both must be 0), and of sealing a new revision of 50 new ciphertexts, beside
 * the age CLI decrypting the same 50 files.
 * `node dist/test/bench/secrets.js`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { armor, Encrypter, generateIdentity, identityToRecipient } from 'age-encryption';
import { SecretKeeper } from '../../src/agent/secrets/index.js';
import { formatRecord, type RepoSecrets } from '../../src/domain/secrets.js';
import type { ServiceSpec } from '../../src/domain/spec.js';
import { loadRevisionFromFiles } from '../../src/validate/load.js';
import { harness } from '../support/agent-harness.js';
import { fmtMs, median, time } from './support.js';

const N = 50;
const runs = 10;
const shm = mkdtempSync('/dev/shm/mcp-bench-secrets-');
const node = await generateIdentity();
const recipients = [await identityToRecipient(node), await identityToRecipient(await generateIdentity())];

const serviceText = (k: number, secret: boolean) =>
  `name = "s${k}"\nnode = "rift"\n[[components]]\nname = "main"\nimage = "localhost/app:v1"\n` +
  (secret ? `secrets = [{ name = "password", env = "PASSWORD" }]\n` : '');

const revision = async (secret: boolean, value: string): Promise<ServiceSpec[]> => {
  const files = new Map<string, Uint8Array>();
  if (secret)
    for (let k = 0; k < N; k++) {
      const e = new Encrypter();
      for (const r of recipients) e.addRecipient(r);
      files.set(
        `secrets/s${k}/password.age`,
        new TextEncoder().encode(armor.encode(await e.encrypt(`${value}-${k}`))),
      );
      files.set(`secrets/s${k}/password.recipients`, new TextEncoder().encode(formatRecord(recipients)));
    }
  const repo: RepoSecrets = {
    recipients: `[nodes]\nrift = ["${recipients[0]}"]\n[operators]\nops = ["${recipients[1]}"]\n`,
    files,
  };
  const texts = Array.from({ length: N }, (_, k) => ({
    path: `services/s${k}.toml`,
    text: serviceText(k, secret),
  }));
  const r = loadRevisionFromFiles(texts, 'c0ffee', [], repo);
  if (!r.ok) throw new Error(JSON.stringify(r.errors[0]));
  return r.revision.services;
};

const measure = async (secret: boolean) => {
  const services = await revision(secret, 'v1');
  const fresh: number[] = [];
  const noop: number[] = [];
  let calls = 0;
  let decryptions = 0;
  for (let i = 0; i < runs; i++) {
    const keeper = new SecretKeeper([node], shm);
    const h = await harness('rift', secret ? { secrets: keeper } : {});
    h.runtime.addImage('localhost/app:v1');
    h.serve(services);
    fresh.push(
      await time(async () => {
        const r = await h.pass();
        if (r.status.counts.created !== N) throw new Error(`not ${N} created: ${r.status.summary}`);
      }),
    );
    const before = { calls: h.runtime.apiCalls(), decryptions: keeper.decryptions };
    noop.push(await time(() => h.pass()));
    calls += h.runtime.apiCalls() - before.calls;
    decryptions += keeper.decryptions - before.decryptions;
  }
  return { fresh: median(fresh), noop: median(noop), calls, decryptions };
};

try {
  const without = await measure(false);
  const withSecrets = await measure(true);
  const next = await revision(true, 'v2');
  const seal: number[] = [];
  for (let i = 0; i < runs; i++) {
    const keeper = new SecretKeeper([node], shm);
    seal.push(await time(() => keeper.seal(next)));
  }
  // The peer: the age CLI (Go) decrypting the same files, one process each, as a script would.
  const identity = join(shm, 'node.key');
  writeFileSync(identity, `${node}\n`, { mode: 0o600 });
  const files = next.map((svc, k) => {
    const path = join(shm, `s${k}.age`);
    writeFileSync(path, Buffer.from(svc.secrets?.password ?? '', 'base64'));
    return path;
  });
  const cli: number[] = [];
  for (let i = 0; i < 3; i++)
    cli.push(
      await time(async () => {
        for (const f of files) execFileSync('age', ['-d', '-i', identity, f]);
      }),
    );
  console.log(
    `| ${N} services on the in-memory runtime, median of ${runs} | without secrets | with one secret each |`,
  );
  console.log('| --- | ---: | ---: |');
  console.log(`| pass that creates them | ${fmtMs(without.fresh)} | ${fmtMs(withSecrets.fresh)} |`);
  console.log(`| no-op pass | ${fmtMs(without.noop)} | ${fmtMs(withSecrets.noop)} |`);
  console.log(
    `| no-op pass: runtime API calls, decryptions (all runs) | ${without.calls}, 0 | ${withSecrets.calls}, ${withSecrets.decryptions} |`,
  );
  console.log(
    `| sealing a revision of ${N} new ciphertexts (${N} decryptions) | - | ${fmtMs(median(seal))} |`,
  );
  console.log(
    `| the same ${N} files decrypted by the age CLI, a process each (median of 3) | - | ${fmtMs(median(cli))} |`,
  );
} finally {
  rmSync(shm, { recursive: true, force: true });
}
