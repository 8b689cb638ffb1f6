/**
 * A dropped event stream, for real: the adapter watches a podman service of this test's own
 * (same storage, private socket), which the test stops and starts again. A change made while
 * the stream is down must be picked up by the relist that follows the reconnect. Then the
 * faults a plain restart cannot produce, injected by a proxy in front of the shared podman:
 * podman absent at start, a podman that never answers, and answers that arrive too late.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { createPodmanRuntime, type PodmanRuntime } from '../../src/adapters/podman/index.js';
import { McpError } from '../../src/domain/errors.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { component, eventually, request } from '../contract/fixtures.js';
import {
  assertPodmanUp,
  ping,
  podmanSocket,
  removeByPrefix,
  runUnmanaged,
  TEST_IMAGES,
} from '../contract/podman-hooks.js';
import { socketProxy } from '../support/socket-proxy.js';

const PREFIX = 'mcpt-pst-';
const docker = new Docker({ socketPath: podmanSocket() });

describe('podman runtime when the event stream drops', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-podman-'));
  const privateSocket = join(dir, 'podman.sock');
  let service: ChildProcess | undefined;
  let rt: PodmanRuntime | undefined;

  const startService = async () => {
    service = spawn('podman', ['system', 'service', '--time=0', `unix://${privateSocket}`], {
      stdio: 'ignore',
    });
    await eventually('private podman service answers', () => ping(privateSocket, 500), 20_000);
  };
  const stopService = async () => {
    const child = service;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };

  before(async () => {
    await assertPodmanUp();
    await startService();
  });
  after(async () => {
    await rt?.close();
    await stopService();
    await removeByPrefix(docker, PREFIX);
    rmSync(dir, { recursive: true, force: true });
  });

  it('notices the drop, refuses to observe, reconnects with backoff and relists what it missed', async () => {
    rt = await createPodmanRuntime({ socketPath: privateSocket });
    assert.ok(rt.isSynced());
    const id = await rt.create(request(component(`${PREFIX}a`, 'app')));
    await rt.start(id);
    await eventually('running in cache', async () =>
      (await rt!.observe([], [])).instances.some((i) => i.id === id && i.state === 'running'),
    );
    const events: RuntimeEvent[] = [];
    rt.onEvent((e) => events.push(e));

    await stopService();
    await eventually('drop noticed', () => !rt!.isSynced(), 1000);
    await assert.rejects(
      rt.observe([], []),
      (err) => err instanceof McpError && err.code === 'RUNTIME_UNAVAILABLE',
    );

    await docker.getContainer(id).remove({ force: true });
    await startService();
    assert.ok(await rt.whenSynced(10_000), 'resynced after the service came back');
    const seen = await rt.observe([], []);
    assert.ok(
      !seen.instances.some((i) => i.id === id),
      'the container removed while the stream was down is gone',
    );
    assert.ok(
      events.some((e) => e.type === 'resync'),
      'a resync event tells the agent to reconcile',
    );
  });
});

const isUnavailable = (err: unknown) => err instanceof McpError && err.code === 'RUNTIME_UNAVAILABLE';

const listen = async (server: Server, path: string) => {
  await rm(path, { force: true });
  await new Promise<void>((resolve) => server.listen(path, resolve));
};

/** Request targets (after any /vX.Y prefix) the fault proxy is told to act on. */
const EVENTS = /^(\/v[\d.]+)?\/events\b/;
const RELIST = /^(\/v[\d.]+)?(\/libpod)?\/containers\/json\?all=true$/;
const TARGETED = /^(\/v[\d.]+)?(\/libpod)?\/containers\/json\?.*filters=/;

/** A held answer: `answered` resolves once podman has replied, `release` passes the reply on. */
interface Held {
  answered: Promise<void>;
  release(): void;
}

/**
 * A unix-socket proxy to podman that reads each request line and can hold back the answer to
 * the next matching request, fail the next matching request, or drop and refuse event streams.
 */
const faultProxy = async (target: string, path: string) => {
  const links = new Set<{ client: Socket; upstream: Socket; target: string }>();
  type Hold = { pattern: RegExp; chunks: Buffer[]; answered: () => void; client?: Socket };
  let holdNext: Hold | undefined;
  let failNext: RegExp | undefined;
  let refuseEvents = false;
  const server = createServer((client) => {
    const upstream = connect(target);
    const link = { client, upstream, target: '' };
    links.add(link);
    let hold: Hold | undefined;
    const drop = () => {
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (chunk: Buffer) => {
      const line = /^[A-Z]+ (\S+) HTTP\/1\.[01]\r\n/.exec(chunk.toString('latin1', 0, 4096));
      if (line) {
        link.target = line[1];
        if (refuseEvents && EVENTS.test(link.target)) {
          drop();
          return;
        }
        if (failNext?.test(link.target)) {
          failNext = undefined;
          drop();
          return;
        }
        if (holdNext?.pattern.test(link.target)) {
          hold = holdNext;
          holdNext = undefined;
          hold.client = client;
        }
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (!hold?.client) {
        client.write(chunk);
        return;
      }
      hold.chunks.push(chunk);
      hold.answered();
    });
  });
  await listen(server, path);
  return {
    path,
    holdNext(pattern: RegExp): Held {
      let answered = () => {};
      const done = new Promise<void>((resolve) => {
        answered = resolve;
      });
      const hold: Hold = { pattern, chunks: [], answered };
      holdNext = hold;
      const release = () => {
        const client = hold.client;
        hold.client = undefined;
        for (const chunk of hold.chunks.splice(0)) client?.write(chunk);
      };
      return { answered: done, release };
    },
    failNext(pattern: RegExp) {
      failNext = pattern;
    },
    /** Drops the open event streams and, while `on`, every new one. */
    refuseEvents(on: boolean) {
      refuseEvents = on;
      if (on) for (const link of links) if (EVENTS.test(link.target)) link.client.destroy();
    },
    close: async () => {
      for (const link of links) link.client.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
};

describe('podman runtime recovering from faults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-podman-faults-'));
  const cleanups: (() => Promise<unknown> | unknown)[] = [];
  const PREFIX_F = `${PREFIX}f-`;

  before(() => assertPodmanUp());
  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    await removeByPrefix(docker, PREFIX_F);
    rmSync(dir, { recursive: true, force: true });
  });

  it('emits resync and serves observe once podman becomes reachable after a start without it', async () => {
    const proxy = await socketProxy(podmanSocket(), join(dir, 'late.sock'));
    cleanups.push(() => proxy.close());
    await proxy.cut();
    const rt = await createPodmanRuntime({ socketPath: proxy.path });
    cleanups.push(() => rt.close());
    assert.equal(rt.isSynced(), false);
    const events: RuntimeEvent[] = [];
    rt.onEvent((e) => events.push(e));

    await proxy.restore();

    await eventually('resync event', () => events.some((e) => e.type === 'resync'), 10_000);
    assert.ok(rt.isSynced());
    await rt.observe([], []);
  });

  it('gives up opening an event stream podman never answers, and keeps reconnecting', {
    timeout: 10_000,
  }, async () => {
    const path = join(dir, 'silent.sock');
    const sockets = new Set<Socket>();
    let connections = 0;
    const silent = createServer((socket) => {
      connections += 1;
      sockets.add(socket);
    });
    await listen(silent, path);
    cleanups.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    });

    const started = performance.now();
    const rt = await createPodmanRuntime({ socketPath: path, streamOpenTimeoutMs: 300 });
    cleanups.push(() => rt.close());
    assert.ok(performance.now() - started < 2000, 'start gave up on the silent stream');
    assert.equal(rt.isSynced(), false);
    await assert.rejects(rt.resync(), isUnavailable);
    await assert.rejects(rt.observe([], []), isUnavailable);
    await eventually('reconnects on its own', () => connections >= 3, 3000);
  });

  it('discards a relist that began before the stream dropped and reconnected', async () => {
    const proxy = await faultProxy(podmanSocket(), join(dir, 'stale.sock'));
    cleanups.push(() => proxy.close());
    const rt = await createPodmanRuntime({ socketPath: proxy.path });
    cleanups.push(() => rt.close());
    const name = `${PREFIX_F}stale`;
    const id = await runUnmanaged(docker, name);
    const sees = async () => (await rt.observe([name], [])).instances.some((i) => i.id === id);
    await eventually('container in cache', sees, 3000);

    const held = proxy.holdNext(RELIST);
    const resynced = rt.resync();
    await held.answered;
    proxy.refuseEvents(true);
    await eventually('drop noticed', () => !rt.isSynced(), 3000);
    await docker.getContainer(id).remove({ force: true });
    proxy.refuseEvents(false);
    assert.ok(await rt.whenSynced(10_000), 'resynced on a new stream');
    assert.equal(await sees(), false, 'the new relist saw the removal');

    held.release();
    await resynced;

    assert.ok(rt.isSynced());
    assert.equal(await sees(), false, 'the late answer from before the drop was not applied');
  });

  it('delivers the events of a batch whose targeted list failed', async () => {
    const proxy = await faultProxy(podmanSocket(), join(dir, 'failed.sock'));
    cleanups.push(() => proxy.close());
    const rt = await createPodmanRuntime({ socketPath: proxy.path });
    cleanups.push(() => rt.close());
    const events: RuntimeEvent[] = [];
    rt.onEvent((e) => events.push(e));

    proxy.failNext(TARGETED);
    const { id } = await docker.createContainer({
      name: `${PREFIX_F}failed`,
      Image: TEST_IMAGES.v1,
      Cmd: ['sleep', '3600'],
    });

    await eventually('create event', () => events.some((e) => e.type === 'create' && e.id === id), 3000);
    assert.ok(await rt.whenSynced(10_000), 'resynced after the failed list');
    assert.ok((await rt.observe([`${PREFIX_F}failed`], [])).instances.some((i) => i.id === id));
  });
});
