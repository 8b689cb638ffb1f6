/**
 * The accelerator probe with real QEMU: its guest (probe-guest.S, embedded as bytes) really
 * boots and prints its line under TCG, which every machine has; and `auto` on this machine
 * answers within its deadline with a reason. Which accelerator it picks depends on the
 * machine; that the pick boots a real guest is the qemu-runtime test's first boot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { chooseAccel, probeGuestRuns } from '../../src/adapters/qemu/accel.js';

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
