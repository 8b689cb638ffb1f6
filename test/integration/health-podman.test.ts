/**
 * Health on real podman, driven by the agent's own loop (scheduler, health board, prober, runtime
 * events) with short probe intervals: servers that listen become healthy, a failing `cmd` probe
 * is unhealthy and the pass degraded, dependents wait for health, a bad rollout is rolled back
 * and stays so, and a container that exits at once ends crash-looping without a busy loop.
 * Every wait is for a condition or an event, bounded by a timeout; no sleep is an assertion.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { dirSource } from '../../src/adapters/dir/source.js';
import { createPodmanRuntime } from '../../src/adapters/podman/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { type Loop, startLoop } from '../../src/agent/loop.js';
import { probeHttp } from '../../src/agent/probe.js';
import type { PassReport } from '../../src/agent/reconcile.js';
import type { EventRecord } from '../../src/domain/pass.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, IMAGE_V2, podman, removeContainers, requirePodman } from '../support/podman.js';

const P = 'i10-h';
const dirs: string[] = [];
const loops: Loop[] = [];

before(requirePodman);
afterEach(async () => {
  for (const loop of loops.splice(0)) await loop.stop();
  await removeContainers(`${P}-`);
});
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

/** A service file of one component `main`; `extra` lines go into the component. */
const service = (name: string, extra: string[], top: string[] = []): [string, string] => [
  `${P}-${name}`,
  [`name = "${P}-${name}"`, 'node = "i10"', ...top, '[[components]]', 'name = "main"', ...extra].join('\n'),
];

const httpd = (port: number, listen = 8080, image = IMAGE_V1): string[] => [
  `image = "${image}"`,
  `cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p ${listen}"]`,
  `ports = ["127.0.0.1:${port}:8080"]`,
];

const probe = (lines: string[]): string[] => ['[components.health]', ...lines];

const agent = async (files: [string, string][]) => {
  const dir = await mkdtemp(join(tmpdir(), 'mcp-i10-'));
  dirs.push(dir);
  const write = async (next: [string, string][]) => {
    await rm(join(dir, 'services'), { recursive: true, force: true });
    await mkdir(join(dir, 'services'));
    for (const [name, text] of next) await writeFile(join(dir, 'services', `${name}.toml`), text);
  };
  await write(files);
  const runtime = await createPodmanRuntime({
    socketPath: process.env.MCP_PODMAN_SOCKET ?? '/run/mcp-test/podman.sock',
    stopTimeoutSeconds: 1,
  });
  const store = await openRegistry();
  const passes: PassReport[] = [];
  const waiters = new Set<() => void>();
  const loop = startLoop(
    { node: 'i10', source: dirSource(dir), runtimes: { container: runtime }, store, log: silentLogger },
    { ...defaultOptions, stopTimeoutSeconds: 1 },
    silentLogger,
    {
      interval: 3600,
      debounceMs: 20,
      prober: { firstDelayMs: 200 },
      onPass: (report) => {
        passes.push(report);
        for (const w of waiters) w();
      },
    },
  );
  loops.push(loop);
  after(() => runtime.close());
  /** Resolves once `check` holds after a pass or a health event; fails after `ms`. */
  const until = (what: string, check: () => boolean, ms = 60_000): Promise<void> =>
    new Promise((resolve, reject) => {
      const done = () => {
        if (!check()) return;
        clearTimeout(timer);
        clearInterval(poll);
        waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(() => {
        waiters.delete(done);
        clearInterval(poll);
        reject(
          new Error(`timed out waiting for ${what}; last pass: ${JSON.stringify(passes.at(-1)?.status)}`),
        );
      }, ms);
      const poll = setInterval(done, 50);
      waiters.add(done);
      done();
    });
  const events = (name: string): EventRecord[] =>
    store
      .events(1000)
      .filter((e) => e.name === `${P}-${name}-main`)
      .reverse();
  const last = () => passes.at(-1)?.status;
  void loop.scheduler.trigger('start');
  return { dir, runtime, store, loop, passes, until, events, last, write };
};

const inspect = async (name: string) =>
  JSON.parse(await podman('inspect', `${P}-${name}-main`))[0] as {
    Id: string;
    State: { StartedAt: string; Status: string; Health?: { Status: string } };
    Config: { Labels: Record<string, string> };
    ImageName?: string;
    Image: string;
  };

test('a server that listens becomes healthy; a failing cmd probe is unhealthy in podman too, and the pass is degraded', async () => {
  const port = await closedPort();
  const a = await agent([
    service('web', [...httpd(port), ...probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 1'])]),
    service('bad', [
      `image = "${IMAGE_V1}"`,
      'cmd = ["sleep", "3600"]',
      ...probe(['cmd = ["false"]', 'interval = 1', 'timeout = 1', 'retries = 1']),
    ]),
  ]);
  await a.until(
    'web healthy and bad unhealthy',
    () =>
      a.loop.board.state(`${P}-web-main`) === 'healthy' &&
      a.loop.board.state(`${P}-bad-main`) === 'unhealthy',
  );
  await a.loop.scheduler.trigger('check');
  const status = a.last()!;
  assert.equal(status.result, 'degraded');
  assert.deepEqual(
    status.unhealthy?.map((u) => [u.name, u.state]),
    [[`${P}-bad-main`, 'unhealthy']],
  );
  assert.match(status.summary, /not healthy: i10-h-bad-main unhealthy/);
  assert.equal((await inspect('bad')).State.Health?.Status, 'unhealthy', 'podman agrees');
  assert.equal(a.store.health().get(`${P}-web-main`)?.state, 'healthy', 'recorded in the registry');
  assert.ok(
    a.events('web').some((e) => e.kind === 'healthy'),
    'the transition is an event',
  );
});

test('a dependent is started only after its dependency is healthy, and waiting holds no other service', async () => {
  const port = await closedPort();
  const other = await closedPort();
  const a = await agent([
    service('db', [
      `image = "${IMAGE_V1}"`,
      'cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && sleep 2 && exec httpd -f -h /www -p 8080"]',
      `ports = ["127.0.0.1:${port}:8080"]`,
      ...probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 5']),
    ]),
    service('api', httpd(await closedPort()), [`depends_on = ["${P}-db"]`]),
    service('solo', httpd(other)),
  ]);
  await a.until('api running', () =>
    a.passes.some((p) =>
      p.changes?.results.some((r) => r.name === `${P}-api-main` && r.outcome === 'created'),
    ),
  );
  const waited = a.passes
    .flatMap((p) => p.changes?.results ?? [])
    .find((r) => r.name === `${P}-api-main` && r.outcome === 'skipped');
  assert.match(waited?.reason ?? '', /^waiting: i10-h-db-main is starting$/);
  const firstPass = a.passes[0].changes!.results;
  assert.equal(
    firstPass.find((r) => r.name === `${P}-solo-main`)?.outcome,
    'created',
    'unrelated service converged at once',
  );
  const healthy = a.events('db').find((e) => e.kind === 'healthy')!;
  const started = (await inspect('api')).State.StartedAt;
  assert.ok(Date.parse(started) > Date.parse(healthy.at), `api started ${started}, db healthy ${healthy.at}`);
  await a.until('converged', () => a.last()?.result === 'converged');
});
