/**
 * Secrets end to end: a real agent process on real podman, keys made by `age-keygen`, files
 * encrypted by the real `age` CLI. A service with an env secret and a file secret starts and
 * sees both values (its container prints their digests); a new value recreates only the
 * component that uses it; a file encrypted to another key and a corrupt file are refused, and
 * the running version stays; a new value that fails its health check is rolled back to the
 * old value. After each step, no log line, API answer, event or registry byte holds a value.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { formatRecord } from '../../src/domain/secrets.js';
import { type AgentProcess, startAgent, until } from '../support/agent-process.js';
import { IMAGE_V1, podman, podmanSocket, removeContainers, requirePodman } from '../support/podman.js';

const run = promisify(execFile);
const P = `sec${process.pid.toString(36)}`;
const NODE = `${P}node`;
const APP = `${P}-app`;
const CLI = join(import.meta.dirname, '../../src/cli/main.js');
const canary = (what: string) => `canary-${P}-${what}-${Math.random().toString(36).slice(2)}`;
const VALUES = { db1: canary('db1'), db2: canary('db2'), db3: canary('db3'), tls: canary('tls') };
let dir = '';
let repo = '';
let shm = '';
let agent: AgentProcess | undefined;
const keys = { node: '', nodeR: '', operatorR: '', otherR: '' };

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

const keygen = async (file: string): Promise<string> => {
  await run('age-keygen', ['-o', file]);
  await chmod(file, 0o600);
  return (await run('age-keygen', ['-y', file])).stdout.trim();
};

/** Encrypts `value` with the real age CLI to `to`; the record lists `record` (a lying one for the wrong-key case). */
const setSecret = async (name: string, value: string, to: string[], record = to): Promise<void> => {
  const base = join(repo, 'secrets', APP);
  await mkdir(base, { recursive: true });
  const input = join(dir, 'plain.tmp');
  await writeFile(input, value, { mode: 0o600 });
  await run('age', ['-a', ...to.flatMap((r) => ['-r', r]), '-o', join(base, `${name}.age`), input]);
  await rm(input);
  await writeFile(join(base, `${name}.recipients`), formatRecord(record));
};

/** A cmd probe on the env secret: healthy while DB_PASSWORD is `expect` (any value when '.'). */
const probe = (expect: string) =>
  `health = { cmd = ["sh", "-c", "printf %s \\"$DB_PASSWORD\\" | grep -q '${expect}'"], interval = 1, timeout = 1, retries = 1, start_timeout = 4 }\n`;

const serviceFile = (health = probe('.')) =>
  `name = "${APP}"\nnode = "${NODE}"\n` +
  `[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\n` +
  `cmd = ["sh", "-c", "echo db=$(printf %s \\"$DB_PASSWORD\\" | sha256sum); echo tls=$(sha256sum < /run/secrets/tls.key); ls -ln /run/secrets; sleep 3600"]\n` +
  `secrets = [{ name = "db_password", env = "DB_PASSWORD" }, { name = "tls_key", file = "/run/secrets/tls.key", mode = "0440" }]\n` +
  health +
  `[[components]]\nname = "side"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n`;

before(async () => {
  await requirePodman();
  await removeContainers(`${P}-`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-secrets-'));
  shm = await mkdtemp('/dev/shm/mcp-test-secrets-');
  repo = join(dir, 'repo');
  await mkdir(join(repo, 'services'), { recursive: true });
  await mkdir(join(repo, '.mcp'));
  keys.node = join(dir, 'node.key');
  keys.nodeR = await keygen(keys.node);
  keys.operatorR = await keygen(join(dir, 'operator.key'));
  keys.otherR = await keygen(join(dir, 'other.key'));
  await writeFile(
    join(repo, '.mcp', 'recipients.toml'),
    `[nodes]\n${NODE} = ["${keys.nodeR}"]\n[operators]\nops = ["${keys.operatorR}"]\n`,
  );
  const both = [keys.nodeR, keys.operatorR];
  await setSecret('db_password', VALUES.db1, both);
  await setSecret('tls_key', VALUES.tls, both);
  await writeFile(join(repo, 'services', `${APP}.toml`), serviceFile());
  await writeFile(
    join(repo, 'services', `${P}-plain.toml`),
    `name = "${P}-plain"\nnode = "${NODE}"\n[[components]]\nname = "main"\nimage = "${IMAGE_V1}"\ncmd = ["sleep", "3600"]\n`,
  );
  await writeFile(
    join(dir, 'mcp-agent.toml'),
    `node = "${NODE}"\nstate_dir = "${dir}/state"\n[source]\npath = "${repo}"\ninterval = 3600\n` +
      `[secrets]\nidentity_file = "${keys.node}"\nruntime_dir = "${shm}/run"\n` +
      `[podman]\nsocket = "${podmanSocket}"\nstop_timeout = 1\n[qemu]\naccel = "tcg"\n[api]\nlisten = "127.0.0.1:0"\n` +
      `[[api.tokens]]\nname = "ops"\nsha256 = "${tokenDigest('operate-token')}"\nrole = "operate"\n`,
  );
});
after(async () => {
  agent?.kill();
  await removeContainers(`${P}-`);
  await rm(dir, { recursive: true, force: true });
  await rm(shm, { recursive: true, force: true });
});

const get = (path: string): Promise<string> => agent!.get(path);
const pass = () => agent!.pass();

const ids = async (): Promise<Record<string, string>> => {
  const out = await podman('ps', '-a', '--filter', `name=^${P}-`, '--format', '{{.Names}} {{.ID}}');
  return Object.fromEntries(
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split(' ') as [string, string]),
  );
};

/** The newest health event of `name`: starting, healthy or unhealthy. */
const healthOf = async (name: string): Promise<string | undefined> => {
  const list = JSON.parse(await get('/v1/events?limit=200')).events as { kind: string; name?: string }[];
  return list.find((e) => e.name === name && ['starting', 'healthy', 'unhealthy'].includes(e.kind))?.kind;
};

const digestsSeen = async (): Promise<string> => (await podman('logs', `${APP}-main`)).trim();

/** Every place a value must never be: the agent's log, its API answers, its events and its registry file. */
const assertNoValue = async (step: string): Promise<void> => {
  const answers = await Promise.all(
    ['/v1/status', '/v1/services', '/v1/ps', '/v1/events?limit=1000', `/v1/spec?service=${APP}`].map(get),
  );
  const registry = await readFile(join(dir, 'state', 'registry.db')).catch(() => Buffer.alloc(0));
  const haystacks = {
    log: agent!.logs.join('\n'),
    api: answers.join('\n'),
    registry: registry.toString('latin1'),
  };
  for (const [where, text] of Object.entries(haystacks))
    for (const [name, value] of Object.entries(VALUES))
      assert.ok(!text.includes(value), `${step}: the value of ${name} is in the ${where}`);
};

test('a real agent hands secrets to podman, follows a new value, refuses what it cannot read, and shows no value anywhere', async () => {
  agent = await startAgent(join(dir, 'mcp-agent.toml'), 'operate-token');
  const { api, logs } = agent;

  // Deploy: env and file secret both arrive.
  const first = await pass();
  assert.deepEqual(first.errors, []);
  await until('the first version healthy', async () => (await healthOf(`${APP}-main`)) === 'healthy');
  const seen = await digestsSeen();
  assert.match(seen, new RegExp(`db=${sha(VALUES.db1)}`));
  assert.match(seen, new RegExp(`tls=${sha(VALUES.tls)}`));
  assert.match(seen, /-r--r-----\s+1 0\s+0\s+\d+ .* tls\.key/, 'read-only file, mode 0440');
  const inspect = await podman('inspect', `${APP}-main`);
  assert.ok(!inspect.includes(VALUES.tls), 'a file secret is not in podman inspect');
  const before1 = await ids();
  await assertNoValue('deploy');

  // Rotation of the env secret: only app-main is recreated.
  await setSecret('db_password', VALUES.db2, [keys.nodeR, keys.operatorR]);
  const rotated = await pass();
  assert.deepEqual(rotated.errors, []);
  await until('the new value healthy', async () => (await healthOf(`${APP}-main`)) === 'healthy');
  const after1 = await ids();
  assert.notEqual(after1[`${APP}-main`], before1[`${APP}-main`], 'its user is recreated');
  assert.equal(after1[`${APP}-side`], before1[`${APP}-side`], 'its sibling is not');
  assert.equal(after1[`${P}-plain-main`], before1[`${P}-plain-main`], 'another service is not');
  assert.match(await digestsSeen(), new RegExp(`db=${sha(VALUES.db2)}`));
  // Re-encrypting the same value (new ciphertext, same plain text) recreates nothing.
  await setSecret('db_password', VALUES.db2, [keys.nodeR, keys.operatorR]);
  assert.equal((await pass()).result, 'converged');
  assert.deepEqual(await ids(), after1, 're-encryption alone changes nothing');
  await assertNoValue('rotation');

  // Encrypted to another key only (its record claims the node's): refused, the old one keeps running.
  await setSecret('db_password', VALUES.db3, [keys.otherR], [keys.nodeR, keys.operatorR]);
  const wrong = await pass();
  assert.equal(wrong.result, 'degraded');
  const refusal = wrong.errors.find((e) => e.code === 'SECRET_UNAVAILABLE');
  assert.match(
    refusal?.message ?? '',
    new RegExp(`secrets/${APP}/db_password\\.age: not encrypted to this node's key`),
  );
  assert.deepEqual(await ids(), after1, 'nothing recreated, nothing removed');
  assert.match(
    await digestsSeen(),
    new RegExp(`db=${sha(VALUES.db2)}`),
    'the running version keeps its value',
  );
  // A corrupt file: refused with the reason, still nothing touched.
  const armored = join(repo, 'secrets', APP, 'db_password.age');
  await writeFile(
    armored,
    '-----BEGIN AGE ENCRYPTED FILE-----\nnot age at all\n-----END AGE ENCRYPTED FILE-----\n',
  );
  const corrupt = await pass();
  assert.match(
    corrupt.errors.find((e) => e.code === 'SECRET_UNAVAILABLE')?.message ?? '',
    /db_password\.age: (corrupt armor|cannot be decrypted)/,
  );
  assert.deepEqual(await ids(), after1);
  const events = JSON.parse(await get('/v1/events?limit=100')).events as { kind: string; message: string }[];
  assert.ok(
    events.some((e) => e.kind === 'rejected' && e.message.includes(`secrets/${APP}/db_password.age`)),
  );
  await assertNoValue('failed decrypt');

  // A new value that fails its health check is rolled back to the previous (healthy) value.
  await setSecret('db_password', VALUES.db3, [keys.nodeR, keys.operatorR]);
  await writeFile(join(repo, 'services', `${APP}.toml`), serviceFile(probe('^never$')));
  await pass();
  await until('the unhealthy new value rolled back', async () => {
    const list = JSON.parse(await get('/v1/events?limit=100')).events as { kind: string; name?: string }[];
    return list.some((e) => e.kind === 'rolled-back' && e.name === `${APP}-main`);
  });
  await until('the previous value healthy again', async () => (await healthOf(`${APP}-main`)) === 'healthy');
  assert.match(await digestsSeen(), new RegExp(`db=${sha(VALUES.db2)}`), 'back on the previous value');
  await assertNoValue('rollback');
  assert.ok(!logs.join('\n').includes(VALUES.db3));

  // What the operator's CLI shows: names and uses of secrets, no value.
  await writeFile(join(dir, 'token'), 'operate-token\n', { mode: 0o600 });
  await writeFile(
    join(dir, 'mcp.toml'),
    `[auth]\ntoken_path = "${join(dir, 'token')}"\n[[nodes]]\nname = "${NODE}"\naddress = "${api}"\n`,
  );
  const cli = async (...args: string[]) => {
    const r = await run(process.execPath, [CLI, ...args], {
      env: { ...process.env, MCP_CONFIG: join(dir, 'mcp.toml') },
    }).catch((err: { stdout: string; stderr: string }) => err);
    return `${r.stdout}${r.stderr}`;
  };
  const shown = [
    await cli('service', 'show', APP),
    await cli('service', 'export', APP, '-'),
    await cli('status', APP),
    await cli('validate', repo),
  ];
  const rendered = await cli('render', APP, '--repo', repo);
  assert.match(
    rendered,
    /secrets db_password \(env DB_PASSWORD\), tls_key \(file \/run\/secrets\/tls\.key\) are not rendered/,
  );
  assert.match(shown[1], /secrets = \[/, 'export gives the secret uses back');
  for (const text of [...shown, rendered])
    for (const [name, value] of Object.entries(VALUES))
      assert.ok(!text.includes(value), `${name} in ${text}`);
});
