/**
 * Whole reconcile passes against the real podman: convergence, idempotence, changes, drift
 * and outages, each observed through podman itself rather than through MCP.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type PassReport, reconcileOnce } from '../../src/agent/reconcile.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import {
  containerStates,
  IMAGE_V1,
  IMAGE_V2,
  podman,
  podmanSocket,
  removeContainers,
  requirePodman,
} from '../support/podman.js';
import { socketProxy } from '../support/socket-proxy.js';

/** Names and node unique to this run. */
const P = `itr${process.pid.toString(36)}`;
const dirs: string[] = [];

before(requirePodman);
afterEach(() => removeContainers(`${P}-`));
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

interface Svc {
  name: string;
  image?: string;
  active?: boolean;
  dependsOn?: string[];
}

const toml = (s: Svc): string =>
  [
    `name = "${P}-${s.name}"`,
    `node = "${P}node"`,
    `active = ${s.active ?? true}`,
    `depends_on = [${(s.dependsOn ?? []).map((d) => `"${P}-${d}"`).join(', ')}]`,
    '[[components]]',
    'name = "main"',
    `image = "${s.image ?? IMAGE_V1}"`,
    'cmd = ["httpd", "-f", "-p", "8080"]',
    'network = "mcp-itest"',
  ].join('\n');

const write = async (dir: string, services: Svc[]): Promise<void> => {
  await rm(join(dir, 'services'), { recursive: true, force: true });
  await mkdir(join(dir, 'services'));
  for (const s of services) await writeFile(join(dir, 'services', `${P}-${s.name}.toml`), toml(s));
};

/** A fresh agent core (own registry, own source directory) over the shared podman. */
const agent = async (services: Svc[], socketPath = podmanSocket) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-itr-'));
  dirs.push(dir);
  await write(dir, services);
  const runtime = await createPodmanRuntime({ socketPath, stopTimeoutSeconds: 2 });
  const store = await openRegistry();
  const deps = {
    node: `${P}node`,
    source: dirSource(dir),
    runtimes: { container: runtime },
    store,
    log: silentLogger,
  };
  const pass = (over = {}): Promise<PassReport> =>
    reconcileOnce(deps, { ...defaultOptions, stopTimeoutSeconds: 2, ...over });
  after(() => runtime.close());
  return { dir, runtime, store, pass, rewrite: (s: Svc[]) => write(dir, s) };
};

/** name -> outcome of this file's instances (other suites' managed containers may share the podman). */
const mine = (report: PassReport): Record<string, string> =>
  Object.fromEntries(
    report.changes!.results.filter((r) => r.name.startsWith(`${P}-`)).map((r) => [r.name, r.outcome]),
  );

const chain: Svc[] = [
  { name: 'db' },
  { name: 'api', dependsOn: ['db'] },
  { name: 'web', dependsOn: ['api'] },
];
const ids = async () => podman('ps', '-a', '--filter', `name=^${P}-`, '--format', '{{.Names}}={{.ID}}');
const until = async (check: () => Promise<boolean>, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

test('converges from nothing, starting dependencies first', async () => {
  const a = await agent(chain);
  const report = await a.pass();
  assert.equal(report.status.result, 'converged', JSON.stringify(report.status.errors));
  assert.deepEqual(await containerStates(`${P}-`), {
    [`${P}-api-main`]: 'running',
    [`${P}-db-main`]: 'running',
    [`${P}-web-main`]: 'running',
  });
  const started = async (n: string) =>
    Date.parse(await podman('inspect', '--format', '{{.State.StartedAt}}', `${P}-${n}-main`));
  assert.ok((await started('db')) <= (await started('api')));
  assert.ok((await started('api')) <= (await started('web')));
});

test('a second pass makes no podman API call and changes nothing', async () => {
  const a = await agent(chain);
  await a.pass();
  const before = await ids();
  const calls = a.runtime.apiCalls();
  const report = await a.pass();
  assert.equal(a.runtime.apiCalls(), calls);
  assert.deepEqual(mine(report), {
    [`${P}-api-main`]: 'unchanged',
    [`${P}-db-main`]: 'unchanged',
    [`${P}-web-main`]: 'unchanged',
  });
  assert.equal(await ids(), before);
});

test('changing one image recreates only that container', async () => {
  const a = await agent(chain);
  await a.pass();
  const before = await ids();
  await a.rewrite([chain[0], { ...chain[1], image: IMAGE_V2 }, chain[2]]);
  const report = await a.pass();
  assert.deepEqual(mine(report), {
    [`${P}-api-main`]: 'recreated',
    [`${P}-db-main`]: 'unchanged',
    [`${P}-web-main`]: 'unchanged',
  });
  const after = await ids();
  const line = (s: string, n: string) => s.split('\n').find((l) => l.startsWith(`${P}-${n}-main=`));
  assert.equal(line(after, 'db'), line(before, 'db'));
  assert.notEqual(line(after, 'api'), line(before, 'api'));
  assert.equal(await podman('inspect', '--format', '{{.ImageName}}', `${P}-api-main`), IMAGE_V2);
});

test('active = false stops a service and active = true starts it again', async () => {
  const a = await agent([{ name: 'solo' }]);
  await a.pass();
  await a.rewrite([{ name: 'solo', active: false }]);
  assert.equal((await a.pass()).changes?.counts.stopped, 1);
  assert.equal((await containerStates(`${P}-`))[`${P}-solo-main`], 'exited');
  await a.rewrite([{ name: 'solo' }]);
  assert.equal((await a.pass()).changes?.counts.started, 1);
  assert.equal((await containerStates(`${P}-`))[`${P}-solo-main`], 'running');
});

test('a deleted service is removed; an unmanaged container is never touched', async () => {
  const a = await agent([{ name: 'keep' }, { name: 'gone' }]);
  await podman('run', '-d', '--name', `${P}-mine`, IMAGE_V1, 'sleep', '600');
  await a.pass();
  await a.rewrite([{ name: 'keep' }]);
  const report = await a.pass();
  assert.equal(report.changes?.counts.removed, 1);
  assert.deepEqual(Object.keys(await containerStates(`${P}-`)).sort(), [`${P}-keep-main`, `${P}-mine`]);
});

test('drift is healed: stopped, killed, paused, removed and retagged containers', async () => {
  await podman('tag', IMAGE_V1, 'localhost/mcp-test/busybox:itr-moving');
  const a = await agent([
    { name: 'stopped' },
    { name: 'killed' },
    { name: 'paused' },
    { name: 'removed' },
    { name: 'moving', image: 'localhost/mcp-test/busybox:itr-moving' },
  ]);
  await a.pass();
  await podman('stop', '-t', '1', `${P}-stopped-main`);
  await podman('kill', `${P}-killed-main`);
  await podman('pause', `${P}-paused-main`);
  await podman('rm', '-f', `${P}-removed-main`);
  await podman('tag', IMAGE_V2, 'localhost/mcp-test/busybox:itr-moving');
  await new Promise((r) => setTimeout(r, 1000));
  const report = await a.pass();
  assert.deepEqual(mine(report), {
    [`${P}-killed-main`]: 'started',
    [`${P}-moving-main`]: 'recreated',
    [`${P}-paused-main`]: 'started',
    [`${P}-removed-main`]: 'created',
    [`${P}-stopped-main`]: 'started',
  });
  assert.ok(Object.values(await containerStates(`${P}-`)).every((s) => s === 'running'));
  await podman('rmi', 'localhost/mcp-test/busybox:itr-moving').catch(() => undefined);
});

test('containers recreated by hand, without labels or with another image, are replaced', async () => {
  const a = await agent([{ name: 'bare' }, { name: 'swapped' }]);
  await a.pass();
  const labels = (await podman(
    'inspect',
    '--format',
    '{{json .Config.Labels}}',
    `${P}-swapped-main`,
  )) as string;
  await podman('rm', '-f', '-t', '0', `${P}-bare-main`, `${P}-swapped-main`);
  await podman('run', '-d', '--name', `${P}-bare-main`, IMAGE_V1, 'httpd', '-f', '-p', '8080');
  const labelArgs = Object.entries(JSON.parse(labels) as Record<string, string>).flatMap(([k, v]) => [
    '--label',
    `${k}=${v}`,
  ]);
  await podman(
    'run',
    '-d',
    '--name',
    `${P}-swapped-main`,
    ...labelArgs,
    IMAGE_V2,
    'httpd',
    '-f',
    '-p',
    '8080',
  );
  await new Promise((r) => setTimeout(r, 1000));
  const report = await a.pass();
  assert.deepEqual(mine(report), { [`${P}-bare-main`]: 'recreated', [`${P}-swapped-main`]: 'recreated' });
  assert.equal(
    await podman('inspect', '--format', '{{index .Config.Labels "mcp.managed"}}', `${P}-bare-main`),
    'true',
  );
  assert.equal(await podman('inspect', '--format', '{{.ImageName}}', `${P}-swapped-main`), IMAGE_V1);
});

test('a short image name that podman rewrites to its full form does not cause recreates', async () => {
  await podman('tag', IMAGE_V1, 'docker.io/library/mcpshort:v1');
  try {
    const a = await agent([{ name: 'short', image: 'mcpshort:v1' }]);
    assert.equal((await a.pass()).status.result, 'converged');
    await new Promise((r) => setTimeout(r, 1000));
    for (let i = 0; i < 2; i++) assert.deepEqual(mine(await a.pass()), { [`${P}-short-main`]: 'unchanged' });
  } finally {
    await podman('rmi', 'docker.io/library/mcpshort:v1').catch(() => undefined);
  }
});

test('a podman socket lost mid-pass fails the pass cleanly; the next pass converges', async () => {
  // The socket goes at the third create: two instances exist, six do not, whatever the pace.
  let creates = 0;
  const proxy = await socketProxy(podmanSocket, join(tmpdir(), `mcp-itr-proxy-${process.pid}.sock`), {
    cutAt: (line) => /^POST \S*\/containers\/create/.test(line) && ++creates === 3,
  });
  after(() => proxy.close());
  const many: Svc[] = Array.from({ length: 8 }, (_, i) => ({ name: `s${i}` }));
  const a = await agent(many, proxy.path);
  const cut = await a.pass();
  assert.notEqual(cut.status.result, 'converged');
  assert.ok(cut.status.errors.some((e) => e.code === 'RUNTIME_UNAVAILABLE'));
  const survivors = Object.keys(await containerStates(`${P}-`)).length;
  assert.ok(survivors >= 2, 'nothing created before the cut is removed');
  await proxy.restore();
  await until(async () => (await a.pass()).status.result === 'converged', 20_000);
  assert.equal(Object.values(await containerStates(`${P}-`)).filter((s) => s === 'running').length, 8);
});
