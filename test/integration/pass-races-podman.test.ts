/**
 * Races between a pass and the world, against the real podman, each moment made
 * deterministic by holding the pass at a known point: a container removed by hand between
 * observation and action is created again in the same pass (no failure, nothing skipped);
 * route ports held by another process are skipped at allocation and moved when taken just
 * before start; a static port another process holds fails clearly, naming it.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { hostPortProbe } from '../../src/adapters/net/port-probe.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type PassReport, reconcileOnce } from '../../src/agent/reconcile.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { containerStates, IMAGE_V1, podman, removeContainers, requirePodman } from '../support/podman.js';

/** Names and node unique to this run. */
const P = `race${process.pid.toString(36)}`;
const dirs: string[] = [];
const held: Server[] = [];

before(requirePodman);
afterEach(async () => {
  for (const s of held.splice(0)) await new Promise((r) => s.close(r));
  await removeContainers(`${P}-`);
});
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

interface Svc {
  name: string;
  dependsOn?: string[];
  route?: boolean;
  port?: number;
}

const toml = (s: Svc): string =>
  [
    `name = "${P}-${s.name}"`,
    `node = "${P}node"`,
    `depends_on = [${(s.dependsOn ?? []).map((d) => `"${P}-${d}"`).join(', ')}]`,
    '[[components]]',
    'name = "main"',
    `image = "${IMAGE_V1}"`,
    'cmd = ["httpd", "-f", "-p", "8080"]',
    ...(s.port ? [`ports = ["127.0.0.1:${s.port}:8080"]`] : []),
    ...(s.route ? ['[[components.routes]]', 'name = "http"', 'port = 8080', 'mode = "l4"'] : []),
  ].join('\n');

const agent = async (services: Svc[]) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-i9r-'));
  dirs.push(dir);
  await mkdir(join(dir, 'services'));
  for (const s of services) await writeFile(join(dir, 'services', `${P}-${s.name}.toml`), toml(s));
  const runtime = await createPodmanRuntime({
    socketPath: process.env.MCP_PODMAN_SOCKET ?? '/run/mcp-test/podman.sock',
    stopTimeoutSeconds: 1,
  });
  const store = await openRegistry();
  const deps = {
    node: `${P}node`,
    source: dirSource(dir),
    runtimes: { container: runtime },
    store,
    log: silentLogger,
    ports: hostPortProbe,
  };
  const pass = (): Promise<PassReport> => reconcileOnce(deps, { ...defaultOptions, stopTimeoutSeconds: 1 });
  after(() => runtime.close());
  return { runtime, store, pass };
};

/** Holds `port` on 127.0.0.1 (0: any free one) until the test ends; resolves to the port, or undefined when taken. */
const hold = (port: number): Promise<number | undefined> =>
  new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      held.push(server);
      resolve((server.address() as { port: number }).port);
    });
  });

/** Waits for the runtime's view to catch up with a change made by hand. */
const until = async (check: () => Promise<boolean>, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

const outcomes = (report: PassReport): Record<string, string> =>
  Object.fromEntries(report.changes!.results.map((r) => [r.name, r.outcome]));

test('a container removed by hand between observation and action is created again in the same pass', async () => {
  const a = await agent([{ name: 'db' }, { name: 'api', dependsOn: ['db'] }]);
  assert.equal((await a.pass()).status.result, 'converged');
  await podman('stop', '-t', '0', `${P}-db-main`);
  await until(async () => {
    const view = await a.runtime.observe([`${P}-db-main`], []);
    return view.instances.some((i) => i.name === `${P}-db-main` && i.state === 'exited');
  }, 10_000);
  // The pass observes db exited (so it plans a start), then db is removed before the start.
  const observe = a.runtime.observe.bind(a.runtime);
  let removed = false;
  a.runtime.observe = async (names, images) => {
    const view = await observe(names, images);
    const db = view.instances.find((i) => i.name === `${P}-db-main`);
    if (!removed && db?.state === 'exited') {
      await podman('rm', '-f', '-t', '0', `${P}-db-main`);
      removed = true;
    }
    return view;
  };
  const report = await a.pass();
  assert.ok(removed, 'the pass observed db exited, and db was removed before its start');

  assert.deepEqual(outcomes(report), { [`${P}-api-main`]: 'unchanged', [`${P}-db-main`]: 'created' });
  assert.equal(report.status.result, 'converged', JSON.stringify(report.status.errors));
  assert.deepEqual(
    a.store.events(100).filter((e) => e.kind === 'failed' || e.kind === 'skipped'),
    [],
  );
  assert.equal((await containerStates(`${P}-db-main`))[`${P}-db-main`], 'running');
});

test('route allocation skips a port another process holds', async () => {
  await hold(10000); // the first port of the range: held by this test, or already by someone else
  const a = await agent([{ name: 'web', route: true }]);
  const report = await a.pass();
  assert.equal(report.status.result, 'converged', JSON.stringify(report.status.errors));
  const port = a.store.routePorts(`${P}-web-main`, ['http']).http;
  assert.notEqual(port, 10000);
  assert.equal((await containerStates(`${P}-web-main`))[`${P}-web-main`], 'running');
  assert.equal(await hostPortProbe.isFree('127.0.0.1', port), false, 'podman publishes the route port');
});

test('a route port taken between allocation and start is moved, and the start retried in the same pass', async () => {
  const a = await agent([{ name: 'web', route: true }]);
  const create = a.runtime.create.bind(a.runtime);
  let taken: number | undefined;
  a.runtime.create = async (req) => {
    const id = await create(req);
    if (taken === undefined) taken = await hold(req.routePorts.http);
    return id;
  };
  const report = await a.pass();
  assert.ok(taken, 'the test took the allocated port before the start');
  assert.deepEqual(outcomes(report), { [`${P}-web-main`]: 'created' });
  assert.equal(report.status.result, 'converged', JSON.stringify(report.status.errors));
  const port = a.store.routePorts(`${P}-web-main`, ['http']).http;
  assert.notEqual(port, taken);
  assert.equal((await containerStates(`${P}-web-main`))[`${P}-web-main`], 'running');
});

test('a static port another process holds fails clearly, naming the port', async () => {
  const port = (await hold(0))!;
  const a = await agent([{ name: 'fixed', port }]);
  const report = await a.pass();
  const result = report.changes!.results.find((r) => r.name === `${P}-fixed-main`);
  assert.equal(result?.outcome, 'failed');
  assert.equal(result?.error?.code, 'CONFLICT');
  assert.match(
    result?.error?.message ?? '',
    new RegExp(`host port 127\\.0\\.0\\.1:${port} is already in use`),
  );
});
