/**
 * Unikernel VMs under real QEMU, with the accelerator `auto` picks on this machine, booting
 * the stand-in guest of test/support/guest-image.sh: a VM boots and serves on its forwarded
 * port; a new runtime (a restarted agent) re-attaches instead of starting a duplicate; a VM
 * killed by hand is noticed; stop and remove leave nothing behind; a whole reconcile pass
 * converges a service with a unikernel component, then finds nothing to do; and a guest that
 * never writes to its console is a failed create, killed at its boot deadline, never running.
 * Host ports are allocated free ones; every QEMU is removed by its directory even on failure.
 */
import assert from 'node:assert/strict';

import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createQemuRuntime, type QemuRuntime } from '../../src/adapters/qemu/runtime.js';
import { openRegistry } from '../../src/adapters/sqljs/registry.js';
import { HealthBoard } from '../../src/agent/health/index.js';
import { reconcileOnce } from '../../src/agent/reconcile.js';
import { McpError } from '../../src/domain/errors.js';
import { specHash } from '../../src/domain/hash.js';
import { LABEL } from '../../src/domain/observed.js';
import type { ComponentSpec, ServiceSpec } from '../../src/domain/spec.js';
import { silentLogger } from '../../src/log.js';
import type { RuntimeEvent } from '../../src/ports/instance-runtime.js';
import { defaultOptions } from '../support/agent-harness.js';
import { MemoryRuntime } from '../support/memory-runtime.js';
import { closedPort } from '../support/net.js';
import { component, service } from '../support/plan-builders.js';
import { killQemus, qemuPids } from '../support/qemu.js';

const GUEST = process.env.MCP_GUEST_DIR ?? '/var/lib/mcp-test/guest';

const vm = (name: string, hostPort: number, over: Partial<ComponentSpec> = {}): ComponentSpec =>
  component(name, 'vm', {
    kind: 'unikernel',
    image: GUEST,
    memory: 128,
    cpus: 1,
    restart: 'always',
    ports: [{ hostIp: '127.0.0.1', hostPort, containerPort: 8080, protocol: 'tcp' }],
    ...over,
  });

/** Resolves with the guest's page once it answers on `port` (a TCG boot takes a few seconds). */
const page = async (port: number, ms = 60_000): Promise<string> => {
  const until = Date.now() + ms;
  for (;;) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) return await res.text();
    } catch {}
    if (Date.now() > until) throw new Error(`no answer on port ${port} within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
};

/** A pass of `node` over `services`, its VMs on `rt`, its containers in memory, a fresh registry. */
const passDeps = async (node: string, services: ServiceSpec[], rt: QemuRuntime) => ({
  node,
  source: {
    description: 'test',
    fetch: async () => ({ ok: true as const, revision: { commit: 'beef', services } }),
  },
  runtimes: { container: new MemoryRuntime(), unikernel: rt },
  store: await openRegistry(),
  log: silentLogger,
});

describe('QEMU runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-qemu-'));
  const vms = join(dir, 'vms');
  let rt: QemuRuntime;
  let alphaPort: number;
  const events: RuntimeEvent[] = [];

  before(async () => {
    alphaPort = await closedPort();
    if (!existsSync(join(GUEST, 'vmlinuz')))
      throw new Error(`no guest image at ${GUEST}: run test/support/guest-image.sh (scripts/setup.sh does)`);
    rt = await createQemuRuntime({ dir: vms, pollIntervalMs: 200 });
    rt.onEvent((e) => events.push(e));
  });
  after(async () => {
    await rt?.close();
    // Every QEMU of this test's directory, by pid, whatever state the tests left it in.
    killQemus(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  it('records the accelerator it chose, and why', async () => {
    const choice = await rt.accelerator();
    assert.equal(choice.setting, 'auto');
    assert.ok(choice.reason.length > 0);
    const recorded = JSON.parse(readFileSync(join(vms, 'accel.json'), 'utf8'));
    assert.equal(recorded.accel, choice.accel);
    assert.equal(recorded.reason, choice.reason);
  });

  it('boots a VM that serves on its forwarded port, labelled with its spec hash, and says since when it runs', async () => {
    const spec = vm('alpha', alphaPort);
    const id = await rt.create({ spec, hash: specHash(spec), revision: 'c0ffee', routePorts: {} });
    assert.equal(await rt.startedAt(id), undefined, 'created, never started');
    const before = Date.now();
    await rt.start(id);
    const since = Date.parse((await rt.startedAt(id))!);
    assert.ok(
      since >= before - 1000 && since <= Date.now(),
      `started at ${since}, between ${before} and now`,
    );
    assert.match(await page(alphaPort), /mcp-guest alpha-vm/);
    const [seen] = (await rt.observe([], [GUEST])).instances;
    assert.equal(seen.name, 'alpha-vm');
    assert.equal(seen.kind, 'unikernel');
    assert.equal(seen.state, 'running');
    assert.equal(seen.labels[LABEL.specHash], specHash(spec));
    assert.equal(seen.labels[LABEL.revision], 'c0ffee');
    assert.equal(seen.imageId, (await rt.observe([], [GUEST])).images[GUEST]);
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.name}`),
      ['create alpha-vm', 'start alpha-vm'],
    );
  });

  it('a restarted agent re-attaches to the running VM instead of starting another', async () => {
    const again = await createQemuRuntime({ dir: vms });
    const [seen] = (await again.observe([], [])).instances;
    assert.equal(seen.state, 'running');
    await again.start(seen.id);
    assert.equal(qemuPids(vms).length, 1);
    await again.close();
  });

  it('notices a VM killed by hand, and starts it again', async () => {
    const [seen] = (await rt.observe([], [])).instances;
    const pid = Number(readFileSync(join(vms, 'alpha-vm', 'qemu.pid'), 'utf8'));
    events.length = 0;
    process.kill(pid, 'SIGKILL');
    const until = Date.now() + 3000;
    while (!events.some((e) => e.type === 'die') && Date.now() < until)
      await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(
      events.map((e) => `${e.type} ${e.name}`),
      ['die alpha-vm'],
    );
    assert.equal((await rt.observe([], [])).instances[0].state, 'exited');
    await rt.start(seen.id);
    assert.match(await page(alphaPort), /mcp-guest alpha-vm/);
  });

  it('stops within its timeout and removes without leaving a process or a directory', async () => {
    const [seen] = (await rt.observe([], [])).instances;
    const started = Date.now();
    await rt.stop(seen.id, 1);
    assert.ok(Date.now() - started < 6000, `stop took ${Date.now() - started} ms`);
    assert.equal((await rt.observe([], [])).instances[0].state, 'exited');
    assert.equal(qemuPids(vms).length, 0);
    await rt.remove(seen.id);
    assert.deepEqual((await rt.observe([], [])).instances, []);
    assert.equal(existsSync(join(vms, 'alpha-vm')), false);
  });

  it('a reconcile pass converges a service with a unikernel component, then does nothing', async () => {
    const port = await closedPort();
    const services = [service('beta', [vm('beta', port)])];
    const deps = await passDeps('rift', services, rt);
    const first = await reconcileOnce(deps, defaultOptions);
    assert.equal(first.status.result, 'converged', JSON.stringify(first.status.errors));
    assert.equal(first.status.summary, '1 created');
    assert.match(await page(port), /mcp-guest beta-vm/);
    const second = await reconcileOnce(deps, defaultOptions);
    assert.equal(second.status.summary, '1 unchanged');
  });
});

describe('QEMU runtime: the boot deadline', () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-qemu-silent-'));
  const vms = join(dir, 'vms');
  /** A blank disk: the firmware finds nothing to boot and the serial console stays empty. */
  const silent = join(dir, 'blank.img');
  let rt: QemuRuntime;

  before(async () => {
    writeFileSync(silent, Buffer.alloc(0));
    truncateSync(silent, 1024 * 1024);
    rt = await createQemuRuntime({ dir: vms, pollIntervalMs: 200, bootTimeoutMs: 3000 });
  });
  after(async () => {
    await rt?.close();
    killQemus(dir);
    rmSync(dir, { recursive: true, force: true });
  });

  const bootTimeout = (err: unknown) =>
    err instanceof McpError &&
    err.code === 'BOOT_TIMEOUT' &&
    /VM silent-vm showed no sign of life within 3 s \(empty console, accel (kvm|tcg)\); QEMU was killed/.test(
      err.message,
    );

  it('a guest that never writes to its console is created, not running, until its start fails at the deadline; QEMU is killed', async () => {
    const spec = vm('silent', await closedPort(), { image: silent });
    const id = await rt.create({ spec, hash: specHash(spec), routePorts: {} });
    const starting = rt.start(id);
    starting.catch(() => undefined);
    while (qemuPids(vms).length === 0) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await rt.observe([], [])).instances[0].state, 'created', 'a silent QEMU is not running');
    await assert.rejects(starting, bootTimeout);
    assert.equal(qemuPids(vms).length, 0, 'QEMU killed at the deadline');
    assert.equal((await rt.observe([], [])).instances[0].state, 'exited');
    await rt.remove(id);
  });

  it('a runtime closed while its VM boots (the agent stops) kills that QEMU instead of leaving it silent', async () => {
    const patient = await createQemuRuntime({ dir: join(dir, 'vms-closed'), bootTimeoutMs: 120_000 });
    const spec = vm('closed', await closedPort(), { image: silent });
    const id = await patient.create({ spec, hash: specHash(spec), routePorts: {} });
    const starting = patient.start(id);
    starting.catch(() => undefined);
    while (qemuPids(join(dir, 'vms-closed')).length === 0) await new Promise((r) => setTimeout(r, 50));
    await patient.close();
    await assert.rejects(starting, /exited/);
    assert.equal(qemuPids(join(dir, 'vms-closed')).length, 0);
  });

  it('a reconcile pass reports the VM failed with the boot deadline as its reason, leaves no QEMU, and backs off before the next boot', async () => {
    const services = [
      service('silent', [vm('silent', await closedPort(), { image: silent })], { node: 'silent' }),
    ];
    const deps = await passDeps('silent', services, rt);
    const now = Date.now();
    const health = new HealthBoard(deps.store, () => now);
    const { status } = await reconcileOnce({ ...deps, health }, defaultOptions);
    assert.notEqual(status.result, 'converged');
    assert.equal(status.summary, '1 failed');
    assert.deepEqual(
      status.errors.map((e) => [e.name, e.code]),
      [['silent-vm', 'BOOT_TIMEOUT']],
    );
    assert.equal(qemuPids(vms).length, 0);
    const [seen] = (await rt.observe([], [])).instances;
    assert.notEqual(seen.state, 'running');
    // The clock stands still: the next pass comes within the first back-off (1 s).
    const again = await reconcileOnce({ ...deps, health }, defaultOptions);
    const [result] = again.changes!.results;
    assert.equal(result.outcome, 'skipped');
    assert.match(result.reason, /^back-off: died 1x, next start in 1 s$/);
    assert.equal(qemuPids(vms).length, 0, 'no boot during the back-off');
    health.close();
  });
});
