/**
 * How `mcp status -v` words the VMs' accelerator: not decided before the first VM, being
 * probed, decided now, or taken from the cache of this host boot (naming the boot and QEMU).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accelText } from '../../src/cli/commands/status.js';

test('before the first VM the accelerator is not decided, and status says why instead of naming one', () => {
  assert.equal(
    accelText({ undecided: true, reason: 'not probed: no VM created since the agent started' }),
    'accelerator not decided (not probed: no VM created since the agent started)',
  );
  assert.equal(accelText({ probing: true }), 'probing the accelerator');
});

test('a decision from the cache says so, with the boot id and QEMU version it holds for and when it was probed', () => {
  const reason = 'KVM cannot run a guest: the probe guest printed nothing within 5000 ms';
  const key = { bootId: '7703459a-e75d-4449-885d-2183c466f6ee', qemuVersion: 'QEMU emulator version 7.2.22' };
  assert.equal(
    accelText({
      setting: 'auto',
      accel: 'tcg',
      reason,
      source: 'cache',
      key,
      probedAt: '2026-12-04T09:00:00.000Z',
    }),
    `tcg (${reason}; from the cache for boot ${key.bootId}, ${key.qemuVersion}, probed 2026-12-04T09:00:00.000Z)`,
  );
  assert.equal(accelText({ setting: 'auto', accel: 'tcg', reason, source: 'probe', key }), `tcg (${reason})`);
});
