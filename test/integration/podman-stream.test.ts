/**
 * A dropped event stream, for real: the adapter watches a podman service of this test's own
 * (same storage, private socket), which the test stops and starts again. A change made while
 * the stream is down must be picked up by the relist that follows the reconnect.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Docker from 'dockerode';
import { createPodmanRuntime, type PodmanRuntime } from '../../src/adapters/podman/index.js';
import { McpError } from '../../src/domain/errors.js';
import type { RuntimeEvent } from '../../src/ports/container-runtime.js';
import { component, eventually, request } from '../contract/fixtures.js';
import { assertPodmanUp, ping, podmanSocket, removeByPrefix } from '../contract/podman-hooks.js';

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
