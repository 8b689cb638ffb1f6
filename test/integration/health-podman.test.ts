/**
 * Health on real podman, driven by the agent's own loop (scheduler, health board, prober, runtime
 * events) with short probe intervals: a pass waiting for a server to listen is progressing, then
 * converged; a failing `cmd` probe is unhealthy, the pass progressing within its start_timeout
 * and degraded past it, dependents wait for health, a bad rollout is rolled back
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
import { statusBody } from '../../src/agent/api/status.js';
import { probeHttp } from '../../src/agent/health/index.js';
import { type Loop, startLoop } from '../../src/agent/loop.js';
import type { PassReport } from '../../src/agent/reconcile.js';
import type { EventRecord } from '../../src/domain/pass.js';
import { silentLogger } from '../../src/log.js';
import { defaultOptions } from '../support/agent-harness.js';
import { closedPort } from '../support/net.js';
import { IMAGE_V1, IMAGE_V2, podman, removeContainers, requirePodman } from '../support/podman.js';

const P = `i10h${process.pid.toString(36)}`;
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
  [`name = "${P}-${name}"`, `node = "${P}n"`, ...top, '[[components]]', 'name = "main"', ...extra].join('\n'),
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
  const reasons: string[] = [];
  const waiters = new Set<() => void>();
  const loop = startLoop(
    { node: `${P}n`, source: dirSource(dir), runtimes: { container: runtime }, store, log: silentLogger },
    { ...defaultOptions, stopTimeoutSeconds: 1 },
    silentLogger,
    {
      interval: 3600,
      debounceMs: 20,
      prober: { firstDelayMs: 200 },
      steadyMs: 1000,
      onPass: (report, why) => {
        passes.push(report);
        reasons.push(...why);
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
  return { dir, runtime, store, loop, passes, reasons, until, events, last, write };
};

const inspect = async (name: string) =>
  JSON.parse(await podman('inspect', `${P}-${name}-main`))[0] as {
    Id: string;
    State: { StartedAt: string; Status: string; Health?: { Status: string } };
    Config: { Labels: Record<string, string> };
    ImageName?: string;
    Image: string;
  };

test('a pass waiting for a server inside its start_timeout is progressing, not degraded; then converged once it serves', async () => {
  const port = await closedPort();
  const a = await agent([]);
  const ctl = join(a.dir, 'ctl');
  await mkdir(ctl);
  await a.write([
    service('slow', [
      `image = "${IMAGE_V1}"`,
      // The server starts only when the test says so: the moment under test is the test's own.
      `cmd = ["sh", "-c", "while [ ! -e /ctl/go ]; do sleep 0.1; done; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -h /www -p 8080"]`,
      `ports = ["127.0.0.1:${port}:8080"]`,
      `volumes = ["${ctl}:/ctl"]`,
      ...probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 1', 'start_timeout = 600']),
    ]),
    service('after', [`image = "${IMAGE_V1}"`, 'cmd = ["sleep", "3600"]'], [`depends_on = ["${P}-slow"]`]),
  ]);
  await a.loop.scheduler.trigger('files written');
  await a.until(
    'a pass with slow starting',
    () => a.last()?.unhealthy?.some((u) => u.name === `${P}-slow-main`) ?? false,
  );
  const waiting = statusBody(`${P}n`, 'test', a.store).lastPass!;
  assert.equal(waiting.result, 'progressing', JSON.stringify(waiting));
  assert.deepEqual(
    waiting.unhealthy?.map((u) => [u.name, u.state, u.pending]),
    [[`${P}-slow-main`, 'starting', true]],
  );
  assert.match(waiting.summary, new RegExp(`1 skipped.*; not healthy: ${P}-slow-main starting$`));
  const dependent = a.passes.at(-1)!.changes?.results.find((r) => r.name === `${P}-after-main`);
  assert.equal(dependent?.outcome, 'skipped');
  assert.equal(dependent?.waiting, true, dependent?.reason);
  assert.equal(a.store.applied()?.result, 'progressing');
  await writeFile(join(ctl, 'go'), '');
  await a.until('converged', () => a.last()?.result === 'converged');
  assert.equal(statusBody(`${P}n`, 'test', a.store).lastPass?.result, 'converged');
  assert.ok(
    a.passes.every((p) => p.status.result !== 'degraded'),
    `no pass was degraded: ${a.passes.map((p) => p.status.result).join(', ')}`,
  );
});

test('a server that listens becomes healthy; a failing cmd probe is unhealthy in podman too, the pass progressing within its start_timeout and degraded past it', async () => {
  const port = await closedPort();
  const a = await agent([
    service('web', [...httpd(port), ...probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 1'])]),
    service('bad', [
      `image = "${IMAGE_V1}"`,
      'cmd = ["sleep", "3600"]',
      ...probe(['cmd = ["false"]', 'interval = 1', 'timeout = 1', 'retries = 1', 'start_timeout = 4']),
    ]),
  ]);
  await a.until(
    'web healthy and bad unhealthy',
    () =>
      a.loop.board.state(`${P}-web-main`) === 'healthy' &&
      a.loop.board.state(`${P}-bad-main`) === 'unhealthy',
  );
  await a.loop.scheduler.trigger('check');
  for (const p of a.passes)
    if (p.status.unhealthy?.length && p.status.unhealthy.every((u) => u.pending))
      assert.equal(p.status.result, 'progressing', 'inside every start_timeout is progressing');
  // The agent judges bad again by itself when its start_timeout runs out.
  await a.until('degraded past start_timeout', () => a.last()?.result === 'degraded', 30_000);
  const status = a.last()!;
  assert.equal(status.result, 'degraded');
  assert.deepEqual(
    status.unhealthy?.map((u) => [u.name, u.state]),
    [[`${P}-bad-main`, 'unhealthy']],
  );
  assert.match(status.summary, new RegExp(`not healthy: ${P}-bad-main unhealthy`));
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
  assert.equal(waited?.reason, `waiting: ${P}-db-main is starting`);
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

test('a rollout that never becomes healthy is rolled back to the last healthy spec, stays so, and a healthy commit rolls forward', async () => {
  const port = await closedPort();
  const health = probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 1', 'start_timeout = 3']);
  const a = await agent([service('app', [...httpd(port), ...health])]);
  await a.until(
    'v1 healthy',
    () => a.last()?.result === 'converged' && a.loop.board.state(`${P}-app-main`) === 'healthy',
  );
  const v1 = await inspect('app');

  // v2 listens on the wrong port: never healthy.
  await a.write([service('app', [...httpd(port, 9090, IMAGE_V2), ...health])]);
  const asked = Date.now();
  await a.loop.scheduler.trigger('v2');
  await a.until('rolled back', () => a.events('app').some((e) => e.kind === 'rolled-back'));
  const rolled = a.events('app').find((e) => e.kind === 'rolled-back')!;
  assert.ok(
    Date.parse(rolled.at) - asked < (3 + 1 + 2) * 1000,
    'within start_timeout plus a probe interval (and a pass)',
  );
  assert.match(
    rolled.message,
    /^rolled back: main localhost\/mcp-test\/busybox:v2 \([0-9a-f]+\) unhealthy after 3 s; running localhost\/mcp-test\/busybox:v1 from [0-9a-f]+$/,
  );
  await a.until(
    'v1 serving again',
    () =>
      a.loop.board.state(`${P}-app-main`) === 'healthy' && a.last()?.unhealthy?.[0]?.state === 'rolled-back',
  );
  const back = await inspect('app');
  assert.equal(back.Config.Labels['mcp.spec-hash'], v1.Config.Labels['mcp.spec-hash']);
  assert.equal(back.Image, v1.Image);
  assert.equal(await probeHttp('127.0.0.1', port, '/', 2000), undefined, 'v1 serves');
  assert.equal(a.last()?.result, 'degraded');
  assert.match(a.last()!.unhealthy![0].reason!, /^rolled back: main/);

  for (let i = 0; i < 3; i++) await a.loop.scheduler.trigger(`again ${i}`);
  assert.equal((await inspect('app')).Id, back.Id, 'the next passes leave the rolled-back instance alone');
  assert.ok(a.passes.slice(-3).every((p) => p.changes?.results.every((r) => r.outcome === 'unchanged')));

  // v3: v2's image on the right port.
  await a.write([service('app', [...httpd(port, 8080, IMAGE_V2), ...health])]);
  await a.loop.scheduler.trigger('v3');
  await a.until(
    'v3 healthy and converged',
    () => a.last()?.result === 'converged' && a.loop.board.state(`${P}-app-main`) === 'healthy',
  );
  assert.notEqual((await inspect('app')).Image, v1.Image, 'rolled forward to the new image');
  assert.equal(a.store.failedSpecs().size, 0, 'the failed mark is cleared by the new spec');
});

test('a container that exits at once is restarted with back-off, then left crash-looping: no busy loop', async () => {
  const a = await agent([
    service('crash', [`image = "${IMAGE_V1}"`, 'cmd = ["sh", "-c", "exit 3"]', 'restart = "no"']),
  ]);
  await a.until(
    'crash-looping',
    () => a.last()?.unhealthy?.some((u) => u.state === 'crash-looping') ?? false,
    120_000,
  );
  const status = a.last()!;
  assert.equal(status.result, 'degraded');
  const creates = a.passes
    .flatMap((p) => p.changes?.results ?? [])
    .filter((r) => r.name === `${P}-crash-main` && r.outcome === 'created');
  assert.equal(creates.length, 1, 'created once, then only started again');
  const starts = a.passes
    .flatMap((p) => p.changes?.results ?? [])
    .filter((r) => r.name === `${P}-crash-main` && r.outcome === 'started');
  assert.equal(starts.length, 4, 'four restarts after the first start: five deaths in all');
  assert.deepEqual(
    a.reasons.filter((r) => r.startsWith(`runtime die ${P}-crash-main`)),
    Array(4).fill(`runtime die ${P}-crash-main (after back-off)`),
    'a pass when each back-off ends, none at the deaths themselves',
  );
  const passesBefore = a.passes.length;
  for (let i = 0; i < 2; i++) await a.loop.scheduler.trigger(`again ${i}`);
  assert.equal(a.passes.length, passesBefore + 2, 'no pass but those asked for');
  assert.match((await inspect('crash')).State.Status, /^(exited|stopped)$/, 'left stopped');
  const skip = a.passes.at(-1)!.changes!.results.find((r) => r.name === `${P}-crash-main`)!;
  assert.equal(skip.outcome, 'skipped');
  assert.match(skip.reason, /^crash-looping: 5 restarts in 10 min/);
  assert.equal(a.events('crash').filter((e) => e.kind === 'crash-looping').length, 1, 'one event');
});

test("a container podman's restart policy keeps bringing back is stopped once crash-looping, and the agent does not spin on its deaths", async () => {
  const a = await agent([service('loop', [`image = "${IMAGE_V1}"`, 'cmd = ["sh", "-c", "exit 3"]'])]);
  await a.until(
    'crash-looping',
    () => a.last()?.unhealthy?.some((u) => u.state === 'crash-looping') ?? false,
    120_000,
  );
  await a.until('stopped', () =>
    a.passes.some((p) =>
      p.changes?.results.some((r) => r.name === `${P}-loop-main` && r.outcome === 'stopped'),
    ),
  );
  const upToStop = a.passes.length;
  assert.ok(upToStop <= 6, `passes: ${upToStop} (a pass per death would be one per restart)`);
  await a.loop.scheduler.trigger('look again');
  // A stop that lands between a death and podman's restart of it does not hold; the restart's
  // death wakes another pass, which stops it again. Wait until a pass leaves it stopped.
  let state = '';
  await a.until('a pass that leaves it stopped', () => {
    void inspect('loop').then((c) => {
      state = c.State.Status;
    });
    const last = a.passes.at(-1)?.changes?.results.find((r) => r.name === `${P}-loop-main`);
    return /^(exited|stopped)$/.test(state) && last?.outcome === 'skipped';
  });
  assert.match(
    a.passes.at(-1)!.changes!.results.find((r) => r.name === `${P}-loop-main`)!.reason,
    /^crash-looping/,
  );
  const creates = a.passes
    .flatMap((p) => p.changes?.results ?? [])
    .filter((r) => r.name === `${P}-loop-main` && r.outcome === 'created');
  assert.equal(creates.length, 1);
});

test('an instance that turns unhealthy after being healthy is restarted, after its back-off', async () => {
  const port = await closedPort();
  const a = await agent([]);
  const ctl = join(a.dir, 'ctl');
  await mkdir(ctl);
  await a.write([
    service('flaky', [
      `image = "${IMAGE_V1}"`,
      // Serves until the test says otherwise (a file in ctl), then answers 404 for ever.
      'cmd = ["sh", "-c", "mkdir -p /www && echo ok > /www/index.html && (while [ ! -e /ctl/break ]; do sleep 0.1; done; rm /www/index.html) & exec httpd -f -h /www -p 8080"]',
      `ports = ["127.0.0.1:${port}:8080"]`,
      `volumes = ["${ctl}:/ctl"]`,
      ...probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 1']),
    ]),
  ]);
  await a.loop.scheduler.trigger('files written');
  const first = await (async () => {
    await a.until('healthy', () => a.loop.board.state(`${P}-flaky-main`) === 'healthy');
    return (await inspect('flaky')).State.StartedAt;
  })();
  await writeFile(join(ctl, 'break'), '');
  await a.until('restarted', () =>
    a.passes.some((p) =>
      p.changes?.results.some(
        (r) =>
          r.name === `${P}-flaky-main` &&
          r.outcome === 'started' &&
          /^unhealthy after being healthy/.test(r.reason),
      ),
    ),
  );
  const unhealthyAt = Date.parse(a.events('flaky').find((e) => e.kind === 'unhealthy')!.at);
  const restartedAt = Date.parse((await inspect('flaky')).State.StartedAt);
  assert.ok(restartedAt > Date.parse(first));
  assert.ok(restartedAt - unhealthyAt >= 1000, 'not before the first back-off (1 s)');
});

test('a new spec that crash-loops is rolled back to the last healthy one', async () => {
  const port = await closedPort();
  const health = probe(['http = 8080', 'interval = 1', 'timeout = 1', 'retries = 1']);
  const a = await agent([service('cl', [...httpd(port), ...health])]);
  await a.until('v1 healthy', () => a.loop.board.state(`${P}-cl-main`) === 'healthy');
  const v1 = await inspect('cl');
  await a.write([
    service('cl', [
      `image = "${IMAGE_V2}"`,
      'cmd = ["sh", "-c", "exit 3"]',
      `ports = ["127.0.0.1:${port}:8080"]`,
      ...health,
    ]),
  ]);
  await a.loop.scheduler.trigger('v2');
  await a.until('rolled back', () => a.events('cl').some((e) => e.kind === 'rolled-back'), 120_000);
  assert.match(a.events('cl').find((e) => e.kind === 'rolled-back')!.message, / crash-looping; running /);
  await a.until('v1 healthy again', () => a.loop.board.state(`${P}-cl-main`) === 'healthy');
  assert.equal((await inspect('cl')).Config.Labels['mcp.spec-hash'], v1.Config.Labels['mcp.spec-hash']);
});

test('a component without a probe: the spec that ran steadily is its last healthy; a new spec that crash-loops is rolled back to it', async () => {
  const sleeper = [`image = "${IMAGE_V1}"`, 'cmd = ["sleep", "3600"]', 'restart = "no"'];
  const a = await agent([service('np', sleeper)]);
  const name = `${P}-np-main`;
  await a.until('v1 steady: its spec recorded as the last healthy', () => a.store.lastHealthy().has(name));
  const v1 = await inspect('np');
  assert.equal(a.store.lastHealthy().get(name)!.hash, v1.Config.Labels['mcp.spec-hash']);
  assert.equal(a.loop.board.state(name), 'none', 'no probe: its health is none');

  await a.write([service('np', [`image = "${IMAGE_V2}"`, 'cmd = ["sh", "-c", "exit 3"]', 'restart = "no"'])]);
  await a.loop.scheduler.trigger('v2');
  await a.until('rolled back', () => a.events('np').some((e) => e.kind === 'rolled-back'), 120_000);
  const rolled = a.events('np').find((e) => e.kind === 'rolled-back')!;
  assert.match(
    rolled.message,
    /busybox:v2 \([0-9a-f]+\) crash-looping; running localhost\/mcp-test\/busybox:v1 from /,
  );
  assert.equal(
    a.store.lastHealthy().get(name)!.hash,
    v1.Config.Labels['mcp.spec-hash'],
    'v2 never ran steadily',
  );
  await a.until('v1 running again', () => {
    const last = a.passes.at(-1)?.changes?.results.find((r) => r.name === name);
    return last?.outcome === 'created' || last?.outcome === 'recreated';
  });
  const back = await inspect('np');
  assert.equal(back.State.Status, 'running');
  assert.equal(back.Config.Labels['mcp.spec-hash'], v1.Config.Labels['mcp.spec-hash']);
  for (let i = 0; i < 3; i++) await a.loop.scheduler.trigger(`again ${i}`);
  assert.equal((await inspect('np')).Id, back.Id, 'the failed spec is not applied again');
  assert.equal(a.last()!.unhealthy?.find((u) => u.name === name)?.state, 'rolled-back');
});

test('changing only an http probe keeps the container and judges it by the new probe', async () => {
  const port = await closedPort();
  const probeLines = (path: string) =>
    probe([
      `http = 8080`,
      `path = "${path}"`,
      'interval = 1',
      'timeout = 1',
      'retries = 1',
      'start_timeout = 600',
    ]);
  const a = await agent([service('probe', [...httpd(port), ...probeLines('/')])]);
  await a.until('healthy', () => a.loop.board.state(`${P}-probe-main`) === 'healthy');
  const before = await inspect('probe');

  await a.write([service('probe', [...httpd(port), ...probeLines('/missing')])]);
  await a.loop.scheduler.trigger('probe changed');
  await a.until('unhealthy under the new probe', () => a.loop.board.state(`${P}-probe-main`) === 'unhealthy');
  const after = await inspect('probe');
  assert.equal(after.Id, before.Id, 'not recreated');
  assert.equal(after.State.StartedAt, before.State.StartedAt, 'not restarted');
  assert.match(a.loop.board.record(`${P}-probe-main`)?.lastError ?? '', /404/);
  const recreated = a.passes
    .flatMap((p) => p.changes?.results ?? [])
    .filter((r) => r.name === `${P}-probe-main` && r.outcome === 'recreated');
  assert.deepEqual(recreated, []);
});
