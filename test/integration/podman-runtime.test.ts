/**
 * The podman adapter against a real podman (test/support/podman-up.sh): the shared contract,
 * then what only a real podman can show — the informer's cache telling the truth, zero API
 * calls in observe, what create really asks podman for, and DNS on a user network.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { createPodmanRuntime, type PodmanRuntime } from '../../src/adapters/podman/index.js';
import { McpError } from '../../src/domain/errors.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { component, eventually, request } from '../contract/fixtures.js';
import { runtimeContract } from '../contract/instance-runtime.js';
import {
  assertPodmanUp,
  podmanHooks,
  podmanSocket,
  removeByPrefix,
  runUnmanaged,
  TEST_IMAGES,
} from '../contract/podman-hooks.js';
import { closedPorts } from '../support/net.js';

const socketPath = podmanSocket();
const docker = new Docker({ socketPath });
/** Names unique to this run. */
const PREFIX = `mcpt-prt${process.pid.toString(36)}-`;

const open = async (opts: { relistIntervalMs?: number; socket?: string } = {}) => {
  await assertPodmanUp(socketPath);
  const rt = await createPodmanRuntime({
    socketPath: opts.socket ?? socketPath,
    relistIntervalMs: opts.relistIntervalMs,
  });
  assert.ok(rt.isSynced(), 'runtime synced after createPodmanRuntime');
  return rt;
};

runtimeContract('podman', () => open(), podmanHooks<PodmanRuntime>(docker), `${PREFIX}c-`);

const codeOf = (err: unknown) => (err instanceof McpError ? err.code : `not an McpError: ${err}`);

describe('podman runtime on a real podman', () => {
  const runtimes: PodmanRuntime[] = [];
  const track = async (opts?: Parameters<typeof open>[0]) => {
    const rt = await open(opts);
    runtimes.push(rt);
    return rt;
  };
  const run = async (rt: PodmanRuntime, service: string, over = {}) => {
    const id = await rt.create(
      request(component(service, 'app', { cmd: ['httpd', '-f', '-p', '8080'], ...over })),
    );
    await rt.start(id);
    return id;
  };
  const mine = async (rt: PodmanRuntime) =>
    (await rt.observe([], [])).instances
      .filter((i) => i.name.startsWith(PREFIX))
      .sort((a, b) => a.id.localeCompare(b.id));

  before(() => assertPodmanUp(socketPath));
  after(async () => {
    await Promise.all(runtimes.map((rt) => rt.close()));
    await removeByPrefix(docker, PREFIX);
  });

  it('serves observe from its cache with zero API calls', async () => {
    const rt = await track();
    await run(rt, `${PREFIX}zero`);
    await eventually('running', async () => (await mine(rt)).some((i) => i.state === 'running'));
    await new Promise((r) => setTimeout(r, 300));
    const calls = rt.apiCalls();
    const started = performance.now();
    for (let i = 0; i < 1000; i++) await rt.observe([`${PREFIX}zero-app`], [TEST_IMAGES.v1]);
    const perCall = (performance.now() - started) / 1000;
    assert.equal(rt.apiCalls(), calls);
    assert.ok(perCall < 2, `observe took ${perCall.toFixed(3)} ms`);
  });

  it('equals a fresh list after a relist, including changes made by hand', async () => {
    const rt = await track();
    for (const s of ['a', 'b', 'c']) await run(rt, `${PREFIX}rl${s}`);
    await docker.getContainer(`${PREFIX}rlb-app`).kill();
    await docker.getContainer(`${PREFIX}rlc-app`).remove({ force: true });
    await rt.resync();
    const listed = (await docker.listContainers({ all: true }))
      .filter((c) => c.Names[0].replace(/^\//, '').startsWith(PREFIX))
      .map((c) => ({ id: c.Id, name: c.Names[0].replace(/^\//, ''), state: c.State }))
      .sort((a, b) => a.id.localeCompare(b.id));
    assert.deepEqual(
      (await mine(rt)).map((i) => ({ id: i.id, name: i.name, state: i.state })),
      listed,
    );
    await removeByPrefix(docker, `${PREFIX}rl`);
  });

  it('relists on its own at the configured period', async () => {
    const rt = await track({ relistIntervalMs: 200 });
    const calls = rt.apiCalls();
    await new Promise((r) => setTimeout(r, 700));
    assert.ok(
      rt.apiCalls() - calls >= 4,
      `expected >= 2 relists (2 calls each), saw ${rt.apiCalls() - calls} calls`,
    );
  });

  it('creates what the spec says: init, restart policy, user, env with route ports, published ports, ro binds, network', async () => {
    const rt = await track();
    const network = `${PREFIX}net1`;
    await rt.ensureNetwork(network);
    const [published, routed] = await closedPorts(2);
    const spec = component(`${PREFIX}cr`, 'app', {
      cmd: ['httpd', '-f', '-p', '8080', '-h', '/var/www'],
      user: '65534:65534',
      restart: 'unless-stopped',
      env: ['LOG_LEVEL=info'],
      network,
      volumes: [{ source: '/tmp', target: '/data', readOnly: true }],
      ports: [{ hostIp: '127.0.0.1', hostPort: published, containerPort: 8080, protocol: 'tcp' }],
      routes: [{ name: 'rest-api', port: 8080, mode: 'l4' }],
    });
    const id = await rt.create(request(spec, { routePorts: { 'rest-api': routed } }));
    await rt.start(id);
    const info = await docker.getContainer(id).inspect();
    assert.equal(info.HostConfig.Init, true);
    assert.equal(info.HostConfig.RestartPolicy?.Name, 'unless-stopped');
    assert.equal(info.Config.User, '65534:65534');
    assert.ok(info.Config.Env.includes('LOG_LEVEL=info'));
    assert.ok(info.Config.Env.includes('PORT=8080'));
    assert.ok(info.Config.Env.includes('PORT_REST_API=8080'));
    // Both bindings, in whatever order podman lists them (the ports are allocated at random).
    const byPort = (a: { HostPort?: string }, b: { HostPort?: string }) =>
      Number(a.HostPort) - Number(b.HostPort);
    assert.deepEqual(
      [...(info.HostConfig.PortBindings?.['8080/tcp'] ?? [])].sort(byPort),
      [
        { HostIp: '127.0.0.1', HostPort: String(published) },
        { HostIp: '127.0.0.1', HostPort: String(routed) },
      ].sort(byPort),
    );
    assert.deepEqual(
      info.Mounts.map((m) => ({ source: m.Source, target: m.Destination, rw: m.RW })),
      [{ source: '/tmp', target: '/data', rw: false }],
    );
    assert.deepEqual(Object.keys(info.NetworkSettings.Networks), [network]);
    await eventually(
      'route port answers',
      async () => {
        const res = await fetch(`http://127.0.0.1:${routed}/`).catch(() => undefined);
        return res?.status === 200;
      },
      3000,
    );
  });

  it('stops fast thanks to init, even for a PID 1 that ignores SIGTERM', async () => {
    const rt = await track();
    const id = await run(rt, `${PREFIX}fast`, { cmd: ['sleep', '3600'] });
    const started = performance.now();
    await rt.stop(id, 10);
    const ms = performance.now() - started;
    assert.ok(ms < 3000, `stop took ${ms.toFixed(0)} ms`);
  });

  it('resolves containers by name on a user network (DNS between members)', async () => {
    const rt = await track();
    const network = `${PREFIX}net2`;
    await rt.ensureNetwork(network);
    await run(rt, `${PREFIX}dnsa`, { network, cmd: ['httpd', '-f', '-p', '8080', '-h', '/var/www'] });
    await run(rt, `${PREFIX}dnsb`, { network, cmd: ['httpd', '-f', '-p', '8080', '-h', '/var/www'] });
    const exec = await docker.getContainer(`${PREFIX}dnsa-app`).exec({
      Cmd: ['wget', '-qO-', `http://${PREFIX}dnsb-app:8080/`],
      AttachStdout: true,
      AttachStderr: true,
    });
    const stream = await exec.start({});
    let out = '';
    stream.on('data', (b: Buffer) => {
      out += b.toString('latin1');
    });
    await new Promise((r) => stream.on('end', r));
    assert.match(out, /mcp-test v1/);
  });

  it('fails create with IMAGE_UNAVAILABLE when the image is not local', async () => {
    const rt = await track();
    const req = request(component(`${PREFIX}noimg`, 'app', { image: TEST_IMAGES.missing }));
    await assert.rejects(rt.create(req), (err) => codeOf(err) === 'IMAGE_UNAVAILABLE');
  });

  it('fails ensureImage with IMAGE_UNAVAILABLE naming the image when the registry cannot be reached', async () => {
    const rt = await track();
    const ref = 'mcr.svc.mcp.metacircular.net:8443/nothing:v1';
    await assert.rejects(rt.ensureImage(ref), (err) => {
      assert.equal(codeOf(err), 'IMAGE_UNAVAILABLE');
      assert.equal((err as Error).message, `image ${ref} not found locally and the registry is unreachable`);
      return true;
    });
  });

  it('says it is pulling just before it pulls a missing image, once, even when the pull then fails', async () => {
    const rt = await track();
    const ref = `localhost/${PREFIX}missing:never`;
    const told: string[] = [];
    await assert.rejects(
      rt.ensureImage(ref, () => told.push('pulling')),
      (err) => codeOf(err) === 'IMAGE_UNAVAILABLE',
    );
    assert.deepEqual(told, ['pulling']);
  });

  it('reports a name held by an unmanaged container as CONFLICT and leaves that container alone', async () => {
    const rt = await track();
    const holder = await runUnmanaged(docker, `${PREFIX}held-app`);
    await assert.rejects(
      rt.create(request(component(`${PREFIX}held`, 'app'))),
      (err) => codeOf(err) === 'CONFLICT',
    );
    assert.equal((await docker.getContainer(holder).inspect()).State.Running, true);
  });

  it('refuses to observe and fails calls with RUNTIME_UNAVAILABLE when the socket is not there', async () => {
    const rt = await createPodmanRuntime({ socketPath: '/run/mcp-test/no-such.sock' });
    runtimes.push(rt);
    assert.equal(rt.isSynced(), false);
    await assert.rejects(rt.observe([], []), (err) => codeOf(err) === 'RUNTIME_UNAVAILABLE');
    await assert.rejects(rt.start('x'), (err) => codeOf(err) === 'RUNTIME_UNAVAILABLE');
    await assert.rejects(rt.resync(), (err) => codeOf(err) === 'RUNTIME_UNAVAILABLE');
  });

  it('delivers a die event for a managed container within a second of it dying', async () => {
    const rt = await track();
    const id = await run(rt, `${PREFIX}evt`);
    await eventually('running', async () =>
      (await mine(rt)).some((i) => i.id === id && i.state === 'running'),
    );
    const seen: RuntimeEvent[] = [];
    rt.onEvent((e) => seen.push(e));
    const killedAt = performance.now();
    const killed = docker.getContainer(id).kill();
    await eventually('die event', () => seen.some((e) => e.type === 'die' && e.id === id && e.managed));
    const ms = performance.now() - killedAt;
    await killed;
    assert.ok(ms < 1000, `die event ${ms.toFixed(0)} ms after the kill was sent`);
  });
});
