/**
 * When the QEMU runtime decides its accelerator, and when it reuses a decision: only a VM about
 * to be created decides, and a probe's finding is kept for the host boot (boot id + QEMU version)
 * in `<dir>/accel.json`, so a second runtime (a restarted agent) does not probe again. The probe
 * is injected to count its runs; QEMU is a script that answers `--version` (and counts those);
 * the boot id is a file of the test's. Creating a VM here only writes its record: nothing boots.
 */
import assert from 'node:assert/strict';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { ProbeResult } from '../../src/adapters/qemu/accel.js';
import {
  createQemuRuntime,
  type QemuRuntime,
  type QemuRuntimeOptions,
} from '../../src/adapters/qemu/runtime.js';
import { specHash } from '../../src/domain/hash.js';
import { component } from '../support/plan-builders.js';

const root = mkdtempSync(join(tmpdir(), 'mcp-accel-cache-'));
const opened: QemuRuntime[] = [];
after(async () => {
  for (const rt of opened) await rt.close();
  rmSync(root, { recursive: true, force: true });
});

const image = join(root, 'image');
mkdirSync(image);
writeFileSync(join(image, 'vmlinuz'), '');

/** A node of the test's own: its state directory, boot id, QEMU (version from a file) and probe counter. */
const host = (
  name: string,
  probeAnswer: ProbeResult = { ok: false, why: 'the probe guest printed nothing' },
) => {
  const dir = join(root, name);
  mkdirSync(dir);
  const qemu = join(dir, 'qemu');
  const setVersion = (version: string) => {
    writeFileSync(
      qemu,
      `#!/bin/sh\n[ "$1" = --version ] || exec sleep 600\necho x >> '${dir}/version-calls'\n` +
        `echo "QEMU emulator version ${version}"\necho "Copyright (c) the QEMU Project developers"\n`,
    );
    chmodSync(qemu, 0o755);
  };
  setVersion('9.9.9-test');
  const bootId = join(dir, 'boot_id');
  writeFileSync(bootId, '11111111-2222-3333-4444-555555555555\n');
  const probes: string[] = [];
  const open = async (over: Partial<QemuRuntimeOptions> = {}) => {
    const rt = await createQemuRuntime({
      dir: join(dir, 'vms'),
      qemu,
      kvmDevice: '/dev/null',
      bootIdFile: bootId,
      probe: async (_qemu, accel) => {
        probes.push(accel);
        return probeAnswer;
      },
      ...over,
    });
    opened.push(rt);
    return rt;
  };
  let vms = 0;
  const createVm = async (rt: QemuRuntime) => {
    const spec = component(name, `vm${vms++}`, { kind: 'unikernel', image, memory: 64, cpus: 1 });
    return rt.create({ spec, hash: specHash(spec), routePorts: {} });
  };
  const cacheFile = join(dir, 'vms', 'accel.json');
  const versionCalls = () =>
    existsSync(join(dir, 'version-calls'))
      ? readFileSync(join(dir, 'version-calls'), 'utf8').split('\n').length - 1
      : 0;
  return { dir, bootId, probes, open, createVm, cacheFile, setVersion, versionCalls };
};

test('a runtime that creates no VM decides nothing: no probe, no cache, status says not decided', async () => {
  const h = host('idle');
  const rt = await h.open();
  await rt.observe([], []);
  await rt.resync();
  assert.deepEqual(h.probes, []);
  assert.deepEqual(rt.acceleratorNow(), {
    undecided: true,
    reason: 'not probed: no VM created since the agent started',
  });
  assert.equal(existsSync(h.cacheFile), false);
  assert.equal(h.versionCalls(), 0, 'QEMU is not even asked its version');
});

test('the first VM create probes once (concurrent creates share it) and caches the finding under the boot id and QEMU version', async () => {
  const h = host('first');
  const rt = await h.open();
  await Promise.all([h.createVm(rt), h.createVm(rt)]);
  assert.deepEqual(h.probes, ['kvm'], 'one probe, under KVM alone');
  const now = rt.acceleratorNow();
  assert.ok('accel' in now);
  assert.equal(now.accel, 'tcg');
  assert.equal(now.source, 'probe');
  assert.match(now.reason, /^KVM cannot run a guest: the probe guest printed nothing$/);
  const key = {
    bootId: '11111111-2222-3333-4444-555555555555',
    qemuVersion: 'QEMU emulator version 9.9.9-test',
  };
  assert.deepEqual(now.key, key);
  const cached = JSON.parse(readFileSync(h.cacheFile, 'utf8'));
  assert.deepEqual(cached.key, key);
  assert.equal(cached.accel, 'tcg');
  assert.equal(cached.reason, now.reason);
  assert.equal(cached.source, 'probe');
});

test('a second runtime with the same boot id and QEMU version takes the cached decision without probing', async () => {
  const h = host('warm', { ok: true });
  await h.createVm(await h.open());
  assert.equal(h.probes.length, 1);
  const first = JSON.parse(readFileSync(h.cacheFile, 'utf8'));
  const versionCalls = h.versionCalls();

  const again = await h.open();
  assert.deepEqual(
    again.acceleratorNow(),
    {
      undecided: true,
      reason: 'not probed: no VM created since the agent started; VMs started before: kvm',
    },
    'not decided before its first VM, even with a cache; what the VM recorded before runs under',
  );
  await h.createVm(again);
  assert.equal(h.probes.length, 1, 'no second probe');
  assert.equal(h.versionCalls(), versionCalls, 'the same QEMU binary is not asked its version again');
  const now = again.acceleratorNow();
  assert.ok('accel' in now);
  assert.equal(now.accel, 'kvm');
  assert.equal(now.source, 'cache');
  assert.deepEqual(now.key, first.key);
  assert.equal(now.probedAt, first.probedAt, 'says when the probe behind it ran');
  assert.deepEqual(JSON.parse(readFileSync(h.cacheFile, 'utf8')), first, 'the cache is left as it was');
});

test('a new boot id means a new probe, and the cache is rewritten for it', async () => {
  const h = host('reboot');
  await h.createVm(await h.open());
  writeFileSync(h.bootId, '99999999-2222-3333-4444-555555555555\n');
  const rt = await h.open();
  await h.createVm(rt);
  assert.equal(h.probes.length, 2);
  const now = rt.acceleratorNow();
  assert.ok('accel' in now);
  assert.equal(now.source, 'probe');
  assert.equal(
    JSON.parse(readFileSync(h.cacheFile, 'utf8')).key.bootId,
    '99999999-2222-3333-4444-555555555555',
  );
});

test('a new QEMU version means a new probe', async () => {
  const h = host('upgrade');
  await h.createVm(await h.open());
  h.setVersion('10.0.0-test-with-a-longer-name');
  await h.createVm(await h.open());
  assert.equal(h.probes.length, 2);
  assert.equal(
    JSON.parse(readFileSync(h.cacheFile, 'utf8')).key.qemuVersion,
    'QEMU emulator version 10.0.0-test-with-a-longer-name',
  );
});

test('a configured accelerator is decided from the start, with no probe and no cache', async () => {
  const h = host('configured');
  for (const accel of ['kvm', 'tcg'] as const) {
    const rt = await h.open({ accel });
    assert.deepEqual(rt.acceleratorNow(), {
      setting: accel,
      accel,
      reason: `configured: accel = "${accel}"`,
    });
    await h.createVm(rt);
  }
  assert.deepEqual(h.probes, []);
  assert.equal(existsSync(h.cacheFile), false);
  assert.equal(h.versionCalls(), 0);
});

test('a KVM device that cannot be opened means TCG without a probe, and that is never taken from the cache later', async () => {
  const h = host('nodevice', { ok: true });
  const rt = await h.open({ kvmDevice: join(h.dir, 'no-kvm') });
  await h.createVm(rt);
  const now = rt.acceleratorNow();
  assert.ok('accel' in now);
  assert.equal(now.source, 'device');
  assert.deepEqual(h.probes, []);
  // The device works now (in the same boot): the recorded device decision does not stand in for a probe.
  const later = await h.open();
  await h.createVm(later);
  assert.deepEqual(h.probes, ['kvm']);
  const then = later.acceleratorNow();
  assert.ok('accel' in then);
  assert.equal(then.accel, 'kvm');
});

test('a probe cut short by the agent stopping is not cached, and the VM waiting for it is not created', async () => {
  const h = host('stopping');
  const stop = new AbortController();
  const rt = await h.open({
    signal: stop.signal,
    probe: (_qemu, _accel, _ms, signal) =>
      new Promise((resolve) => {
        h.probes.push('kvm');
        signal?.addEventListener('abort', () => resolve({ ok: false, why: 'the probe was cancelled' }));
      }),
  });
  const creating = h.createVm(rt);
  while (h.probes.length === 0) await new Promise((r) => setTimeout(r, 5));
  assert.deepEqual(rt.acceleratorNow(), { probing: true });
  stop.abort();
  await assert.rejects(creating, { code: 'RUNTIME', message: /is not created: the agent is stopping/ });
  assert.equal(existsSync(h.cacheFile), false);
  assert.equal((await rt.observe([], [])).instances.length, 0);
});

test('on a host without a usable KVM device, a restarted runtime neither runs QEMU for its version nor rewrites the record', async () => {
  const h = host('nokvm-restart');
  const noKvm = join(h.dir, 'no-kvm');
  await h.createVm(await h.open({ kvmDevice: noKvm }));
  assert.equal(h.versionCalls(), 1, 'the first decision reads the version once, for the record');
  const recorded = JSON.parse(readFileSync(h.cacheFile, 'utf8'));
  assert.equal(recorded.source, 'device');
  const written = statSync(h.cacheFile).mtimeMs;
  const later = await h.open({ kvmDevice: noKvm });
  await h.createVm(later);
  assert.equal(h.versionCalls(), 1);
  assert.equal(statSync(h.cacheFile).mtimeMs, written, 'not rewritten');
  const now = later.acceleratorNow();
  assert.ok('accel' in now);
  assert.equal(now.source, 'device');
  assert.deepEqual(h.probes, []);
});
