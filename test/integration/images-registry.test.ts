/**
 * Image updates against a real registry (Debian's docker-registry on a free loopback port,
 * test/support/registry.ts), driven by the agent's own loop on real podman: a component's
 * image is really pulled from the registry; a new image pushed to its tag is found by the
 * digest check that `mcp sync` asks for through the API (so the moment is the test's own) and
 * the component recreated on it, the running digest in /v1/services; a bad new image is
 * rolled back by id; a registry that is down is reported, retried, and stops
 * or removes nothing; a `pull = "missing"` component never makes the agent ask the registry.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime, type PodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { registryClient } from '../../src/adapters/registry/digest.js';
import { openRegistry, type SqlRegistry } from '../../src/adapters/sqljs/registry.js';
import { tokenDigest } from '../../src/agent/api/auth.js';
import { type ApiServer, startApi } from '../../src/agent/api/server.js';
import { type Loop, startLoop } from '../../src/agent/loop.js';
import type { PassReport } from '../../src/agent/reconcile.js';
import { main } from '../../src/cli/main.js';
import { silentLogger } from '../../src/log.js';
import type { ServicesAnswer } from '../../src/wire/api.js';
import { defaultOptions } from '../support/agent-harness.js';
import { type CliRun, runCli } from '../support/cli.js';
import { IMAGE_V1, IMAGE_V2, podman, removeContainers, requirePodman } from '../support/podman.js';
import { pushImage, startRegistry, type TestRegistry, untag } from '../support/registry.js';

const P = `i17img${process.pid.toString(36)}`;
const NODE = `${P}node`;
let registry: TestRegistry;
let repo = '';
let dir = '';
let runtime: PodmanRuntime | undefined;
let store: SqlRegistry;
let loop: Loop | undefined;
const passes: PassReport[] = [];
let api: ApiServer | undefined;
const TOKEN = `token-${P}`;

const imageId = async (ref: string): Promise<string> =>
  podman('image', 'inspect', '--format', '{{.Id}}', ref);
const running = async (name: string) =>
  JSON.parse(await podman('inspect', name))[0] as { Id: string; Image: string; State: { Status: string } };

/** Resolves once `check` holds (asked after each pass and every 50 ms); fails after `ms`. */
const until = async (what: string, check: () => Promise<boolean> | boolean, ms = 30_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end)
      throw new Error(`timed out waiting for ${what}; last pass: ${JSON.stringify(passes.at(-1)?.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const component = (name: string, image: string, extra: string[]): string =>
  [
    `name = "${P}-${name}"`,
    `node = "${NODE}"`,
    '[[components]]',
    'name = "main"',
    `image = "${image}"`,
    'cmd = ["sh", "-c", "exec sleep 3600"]',
    ...extra,
  ].join('\n');

const requestsFor = (tag: string): string[] =>
  registry.requests().filter((r) => r.includes(`/${P}/bb/manifests/${tag}`));

before(async () => {
  await requirePodman();
  registry = await startRegistry();
  repo = `${registry.host}/${P}/bb`;
  await pushImage(IMAGE_V1, `${repo}:live`);
  await pushImage(IMAGE_V1, `${repo}:still`);
  await pushImage(IMAGE_V1, `${repo}:roll`);
  await pushImage(IMAGE_V1, `${repo}:fresh`);
  // Only the registry has them now: the agent's create must pull.
  await untag(`${repo}:live`);
  await untag(`${repo}:still`);
  await untag(`${repo}:roll`);
  await untag(`${repo}:fresh`);
  dir = await mkdtemp(join(tmpdir(), 'mcp-i17img-'));
  await mkdir(join(dir, 'services'));
  await writeFile(
    join(dir, 'services', `${P}-web.toml`),
    component('web', `${repo}:live`, ['pull = "newer"']),
  );
  await writeFile(join(dir, 'services', `${P}-old.toml`), component('old', `${repo}:still`, []));
  runtime = await createPodmanRuntime({
    socketPath: process.env.MCP_PODMAN_SOCKET ?? '/run/mcp-test/podman.sock',
    stopTimeoutSeconds: 1,
    insecureRegistries: [registry.host],
  });
  store = await openRegistry();
  loop = startLoop(
    { node: NODE, source: dirSource(dir), runtimes: { container: runtime }, store, log: silentLogger },
    { ...defaultOptions, stopTimeoutSeconds: 1 },
    silentLogger,
    // Neither timer fires during the test: every pass and check is one the test asks for.
    {
      interval: 3600,
      imageCheckInterval: 3600,
      imageRegistry: registryClient({ insecure: [registry.host] }),
      debounceMs: 20,
      prober: { firstDelayMs: 200 },
      steadyMs: 1000,
      onPass: (r) => passes.push(r),
    },
  );
  void loop.scheduler.trigger('start');
  const scheduler = loop.scheduler;
  const images = loop.images;
  api = await startApi(
    {
      node: NODE,
      source: 'test',
      store,
      runtimes: [runtime],
      filesRoot: dir,
      adopt: async () => [],
      trigger: (reason) => scheduler.trigger(reason),
      checkImages: () => images.check(),
    },
    { listen: '127.0.0.1:0', tokens: [{ name: 'ops', sha256: tokenDigest(TOKEN), role: 'operate' }] },
    silentLogger,
  );
});

/** The operator's CLI, in this process, against the agent's API. */
const mcp = async (args: string[]): Promise<CliRun> => {
  const home = join(dir, 'cli');
  await mkdir(home, { recursive: true });
  await writeFile(join(home, 'token'), `${TOKEN}\n`);
  await writeFile(
    join(home, 'mcp.toml'),
    `[auth]\ntoken_path = "token"\n\n[[nodes]]\nname = "${NODE}"\naddress = "${api!.url.replace('http://', '')}"\n`,
  );
  return runCli(main, args, { cwd: home, env: { MCP_CONFIG: join(home, 'mcp.toml') } });
};

/** A request to the agent's API with the operate token, as the CLI sends it. */
const callApi = async (method: string, path: string): Promise<{ status: number; body: unknown }> => {
  const res = await fetch(`${api!.url}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: res.status, body: await res.json() };
};

after(async () => {
  await api?.close();
  await loop?.stop();
  await runtime?.close();
  await removeContainers(`${P}-`);
  for (const tag of ['live', 'still', 'roll', 'fresh']) await untag(`${repo}:${tag}`).catch(() => undefined);
  await registry?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('a component is created from an image pulled from the registry', async () => {
  await until('both components running', async () => {
    const names = await podman(
      'ps',
      '--filter',
      `name=^${P}-`,
      '--filter',
      'status=running',
      '--format',
      '{{.Names}}',
    );
    return names.split('\n').filter(Boolean).length === 2;
  });
  assert.ok(
    requestsFor('live').some((r) => r.startsWith('GET ')),
    'the newer image was fetched from the registry',
  );
  assert.ok(
    requestsFor('still').some((r) => r.startsWith('GET ')),
    'the missing image was fetched from the registry',
  );
  assert.equal((await running(`${P}-web-main`)).Image, await imageId(IMAGE_V1));
});

test('mcp sync (POST /v1/reconcile?wait=true) finds a new image pushed to the tag and recreates the component on it; /v1/services shows the digest', async () => {
  const before = await running(`${P}-web-main`);
  const v1 = await imageId(IMAGE_V1);
  const v2 = await imageId(IMAGE_V2);
  await pushImage(IMAGE_V2, `${repo}:live`);
  // The push tagged v2 here too; put the local tag back on v1, as on a node that did not push.
  await until(
    'the agent sees the tag on v1',
    async () => (await runtime!.observe([], [`${repo}:live`])).images[`${repo}:live`] === `sha256:${v1}`,
  );
  const sync = await callApi('POST', '/v1/reconcile?wait=true');
  assert.equal(sync.status, 200, JSON.stringify(sync.body));
  // The pass the sync waited for came after the check: the component runs the new image now.
  const after = await running(`${P}-web-main`);
  assert.equal(after.Image, v2);
  assert.notEqual(after.Id, before.Id);
  const events = store.events(100).filter((e) => e.name === `${P}-web-main`);
  const updated = events.find((e) => e.kind === 'image-updated');
  assert.ok(updated, 'an image-updated event names the instance');
  const from = updated.data?.from as string[];
  const to = updated.data?.to as string[];
  assert.equal(to.length, 1);
  assert.ok(from.length > 0 && !from.includes(to[0]), `old ${from} and new ${to} digests`);
  assert.match(updated.message, /digest .* -> /);
  const recreated = events.find((e) => e.kind === 'recreated');
  assert.match(recreated?.message ?? '', /newer image/);
  assert.equal((await running(`${P}-old-main`)).Image, v1, 'the missing component stays');
  // The running digest, as mcp status SERVICE shows it: the one the event names.
  const services = await callApi('GET', '/v1/services');
  const web = (services.body as ServicesAnswer).services.find((x) => x.name === `${P}-web`)?.components[0];
  assert.equal(web?.pull, 'newer');
  assert.ok(web?.digest?.split(',').includes(to[0]), `running digest ${web?.digest}`);
  const status = await mcp(['status', `${P}-web`]);
  assert.equal(status.code, 0, status.err);
  assert.match(status.out, new RegExp(`^${P}-web-main: pull = "newer", running digest .*${to[0]}`, 'm'));
  assert.match(status.out, /image-updated .* digest .* -> /);
  await callApi('POST', '/v1/reconcile?wait=true');
  assert.equal(passes.at(-1)?.changes?.counts.recreated, 0, 'recreated once, then unchanged');
  assert.equal((await running(`${P}-web-main`)).Id, after.Id);
});

test('a registry that is down is reported and retried; what runs is neither stopped nor removed', async () => {
  const web = await running(`${P}-web-main`);
  await registry.pause();
  try {
    const first = await loop!.images.check();
    assert.equal(first.failed.length, 1);
    const second = await loop!.images.check();
    assert.equal(second.failed.length, 1, 'retried on the next round');
    await loop!.scheduler.trigger('sync');
    const failedEvents = store.events(100).filter((e) => e.kind === 'image-check-failed');
    assert.equal(failedEvents.length, 1, 'one event for the standing condition, not one per round');
    assert.match(failedEvents[0].message, /what runs is kept/);
    const now = await running(`${P}-web-main`);
    assert.equal(now.Id, web.Id, JSON.stringify(store.events(20).map((e) => [e.kind, e.name, e.message])));
    assert.equal(now.State.Status, 'running');
    assert.equal(passes.at(-1)?.changes?.counts.recreated ?? 0, 0);
  } finally {
    await registry.resume();
  }
  const back = await loop!.images.check();
  assert.deepEqual(back.failed, []);
  assert.ok(store.events(100).some((e) => e.kind === 'image-check-recovered'));
});

test('pull = "missing" never asks the registry: not on a check round, not on a pass', async () => {
  const asked = requestsFor('still').length;
  await loop!.images.check();
  await loop!.scheduler.trigger('sync');
  assert.equal(requestsFor('still').length, asked);
  assert.ok(requestsFor('live').length > 0, 'the newer image in the same rounds was asked');
});

test('a newer image that is not healthy is rolled back to the image id that was, while its tag names the new one', async () => {
  const v1 = await imageId(IMAGE_V1);
  const v2 = await imageId(IMAGE_V2);
  // Healthy only on v1: the image decides, nothing else changes.
  const probe = [
    '[components.health]',
    'cmd = ["grep", "-q", "v1", "/VERSION"]',
    'interval = 1',
    'retries = 1',
    'start_timeout = 3',
  ];
  await writeFile(
    join(dir, 'services', `${P}-roll.toml`),
    component('roll', `${repo}:roll`, ['pull = "newer"', ...probe]),
  );
  await loop!.scheduler.trigger('sync');
  await until('roll healthy on v1', () => store.lastHealthy().has(`${P}-roll-main`));
  assert.equal((await running(`${P}-roll-main`)).Image, v1);

  await pushImage(IMAGE_V2, `${repo}:roll`);
  await until(
    'the agent sees the tag on v1',
    async () => (await runtime!.observe([], [`${repo}:roll`])).images[`${repo}:roll`] === `sha256:${v1}`,
  );
  const round = await loop!.images.check();
  assert.deepEqual(
    round.updated.map((u) => u.image),
    [`${repo}:roll`],
  );
  await until('roll rolled back', () =>
    store.events(200).some((e) => e.kind === 'rolled-back' && e.name === `${P}-roll-main`),
  );
  const kindsOf = () =>
    store
      .events(200)
      .filter((e) => e.name === `${P}-roll-main`)
      .map((e) => e.kind)
      .reverse();
  // The pass that recreates it on v1 records that when it ends, after podman already runs it.
  await until('roll recreated on v1, and the pass that did it ended', () =>
    kindsOf().slice(kindsOf().indexOf('rolled-back')).includes('recreated'),
  );
  assert.equal((await running(`${P}-roll-main`)).Image, v1);
  assert.equal(await imageId(`${repo}:roll`), v2, 'the tag still names the new image');
  const kinds = kindsOf();
  assert.deepEqual(
    kinds
      .slice(kinds.indexOf('image-updated'))
      .filter((k) => !['starting', 'unhealthy', 'healthy'].includes(k)),
    ['image-updated', 'recreated', 'rolled-back', 'recreated'],
  );
  const rolledBack = (await running(`${P}-roll-main`)).Id;
  await loop!.scheduler.trigger('sync');
  assert.equal(
    passes.at(-1)?.changes?.counts.recreated,
    0,
    'the rollback holds: no recreate on the next pass',
  );
  assert.equal((await running(`${P}-roll-main`)).Id, rolledBack);
});

test('pull = "always" pulls at every create, and creates from the local image when the registry is down', async () => {
  const v1 = await imageId(IMAGE_V1);
  const v2 = await imageId(IMAGE_V2);
  const write = (env: string) =>
    writeFile(
      join(dir, 'services', `${P}-fresh.toml`),
      component('fresh', `${repo}:fresh`, ['pull = "always"', `env = ["GEN=${env}"]`]),
    );
  await write('1');
  await loop!.scheduler.trigger('sync');
  await until(
    'fresh running on v1',
    async () => (await running(`${P}-fresh-main`).catch(() => undefined))?.Image === v1,
  );
  // A new image on the tag is not looked for between creates (no digest check for always) ...
  await pushImage(IMAGE_V2, `${repo}:fresh`);
  await loop!.images.check();
  await loop!.scheduler.trigger('sync');
  assert.equal((await running(`${P}-fresh-main`)).Image, v1);
  // ... but the next create pulls it.
  await write('2');
  await loop!.scheduler.trigger('sync');
  await until(
    'fresh recreated on v2',
    async () => (await running(`${P}-fresh-main`).catch(() => undefined))?.Image === v2,
  );
  await registry.pause();
  try {
    await write('3');
    await loop!.scheduler.trigger('sync');
    const last = passes.at(-1);
    assert.equal(last?.changes?.counts.recreated, 1, JSON.stringify(last?.status));
    assert.equal(last?.changes?.counts.failed, 0);
    assert.equal((await running(`${P}-fresh-main`)).Image, v2, 'created from the local image');
  } finally {
    await registry.resume();
  }
});
