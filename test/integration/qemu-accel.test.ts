/**
 * The accelerator probe with real QEMU: its guest (probe-guest.S, embedded as bytes) really
 * boots and prints its line under TCG, which every machine has; `auto` on this machine answers
 * within its deadline with a reason; and the runtime decides when its first VM is about to be
 * created, caching the finding under this boot's id and this QEMU's version, which a second
 * runtime (a restarted agent) reads instead of probing. Which accelerator it picks depends on
 * the machine; that the pick boots a real guest is the qemu-runtime test's first boot.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chooseAccel, probeGuestRuns } from '../../src/adapters/qemu/accel.js';
import { createQemuRuntime, type QemuRuntime } from '../../src/adapters/qemu/runtime.js';
import { specHash } from '../../src/domain/hash.js';
import { component } from '../support/plan-builders.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-qemu-accel-'));
const opened: QemuRuntime[] = [];
after(async () => {
  for (const rt of opened) await rt.close();
  rmSync(dir, { recursive: true, force: true });
});

test('the probe guest boots and prints its line under TCG', async () => {
  assert.deepEqual(await probeGuestRuns('qemu-system-x86_64', 'tcg', 30_000), { ok: true });
});

test('auto decides within its deadline and says why', async () => {
  const started = Date.now();
  const choice = await chooseAccel({ setting: 'auto', qemu: 'qemu-system-x86_64', timeoutMs: 5000 });
  assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
  assert.match(
    choice.reason,
    choice.accel === 'kvm'
      ? /^a probe guest ran under KVM/
      : /^(KVM cannot run a guest|\/dev\/kvm is not usable)/,
  );
  console.log(`# accelerator on this machine: ${choice.accel} (${choice.reason})`);
});

test("the first VM create runs the real probe and caches its finding under this boot's id and QEMU's version; a second runtime reads it", async () => {
  // /dev/null opens read-write as a KVM device does, so the probe guest really runs under KVM
  // (where this machine has none, QEMU refuses: TCG); a stand-in image, as a create boots nothing.
  const image = join(dir, 'image');
  mkdirSync(image);
  writeFileSync(join(image, 'vmlinuz'), '');
  let probes = 0;
  const open = async () => {
    const rt = await createQemuRuntime({
      dir: join(dir, 'vms'),
      kvmDevice: '/dev/null',
      probe: (...args) => {
        probes++;
        return probeGuestRuns(...args);
      },
    });
    opened.push(rt);
    return rt;
  };
  const createVm = (rt: QemuRuntime, name: string) => {
    const spec = component('accel', name, { kind: 'unikernel', image, memory: 64, cpus: 1 });
    return rt.create({ spec, hash: specHash(spec), routePorts: {} });
  };
  const first = await open();
  assert.ok('undecided' in first.acceleratorNow());
  await createVm(first, 'a');
  assert.equal(probes, 1);
  const key = {
    bootId: readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(),
    qemuVersion: execFileSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' })
      .split('\n')[0]
      .trim(),
  };
  const file = join(dir, 'vms', 'accel.json');
  const cached = readFileSync(file, 'utf8');
  assert.deepEqual(JSON.parse(cached).key, key);
  const decided = first.acceleratorNow();
  assert.ok('accel' in decided && decided.source === 'probe');

  const second = await open();
  await createVm(second, 'b');
  assert.equal(probes, 1, 'no second probe');
  const now = second.acceleratorNow();
  assert.ok('accel' in now);
  assert.equal(now.source, 'cache');
  assert.equal(now.accel, decided.accel);
  assert.equal(now.reason, decided.reason);
  assert.deepEqual(now.key, key);
  assert.equal(readFileSync(file, 'utf8'), cached, 'the cache file is left as it was');
});
