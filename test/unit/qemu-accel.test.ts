/**
 * Choosing the accelerator, on any machine: the KVM probe runs a stand-in QEMU (a shell script
 * that hangs, answers, or fails, as a broken or working KVM would), so these tests do not
 * depend on the machine's /dev/kvm. The real probe guest is booted in the qemu-accel
 * integration test.
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { chooseAccel } from '../../src/adapters/qemu/accel.js';
import { PROBE_MARKER } from '../../src/adapters/qemu/probe-guest.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-accel-test-'));
after(() => {
  // A hung stand-in left alive by a failing test is killed by the pid it wrote.
  for (const name of ['hang', 'abort']) {
    const pidFile = join(dir, `${name}.pid`);
    if (!existsSync(pidFile)) continue;
    try {
      process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
    } catch {}
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A stand-in QEMU: records its arguments, then runs `body` (sh). */
const fakeQemu = (name: string, body: string): string => {
  const path = join(dir, name);
  writeFileSync(path, `#!/bin/sh\necho "$@" > '${path}.args'\necho $$ > '${path}.pid'\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** /dev/null opens read-write like a KVM device does: the probe then has to decide. */
const OPENS = '/dev/null';

test('auto picks TCG when a guest under KVM shows nothing before the deadline, and kills the probe', async () => {
  const qemu = fakeQemu('hang', 'exec sleep 600');
  const started = Date.now();
  const choice = await chooseAccel({ setting: 'auto', qemu, timeoutMs: 500, kvmDevice: OPENS });
  assert.equal(choice.accel, 'tcg');
  assert.equal(choice.setting, 'auto');
  assert.match(choice.reason, /^KVM cannot run a guest: the probe guest printed nothing within 500 ms$/);
  assert.ok(Date.now() - started < 5000);
  assert.match(
    readFileSync(`${qemu}.args`, 'utf8'),
    /-machine q35,accel=kvm /,
    'probed with KVM alone, no fallback',
  );
  const pid = Number(readFileSync(`${qemu}.pid`, 'utf8'));
  for (const until = Date.now() + 2000; alive(pid) && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(pid), false, 'the probe QEMU is killed');
});

test('auto picks KVM when the probe guest prints its line under KVM', async () => {
  const qemu = fakeQemu('answer', `echo ${PROBE_MARKER}; exec sleep 600`);
  const choice = await chooseAccel({ setting: 'auto', qemu, timeoutMs: 5000, kvmDevice: OPENS });
  assert.equal(choice.accel, 'kvm');
  assert.match(choice.reason, /^a probe guest ran under KVM in \d+ ms$/);
  assert.equal(typeof choice.probeMs, 'number');
});

test("auto picks TCG, with QEMU's own words, when QEMU refuses KVM", async () => {
  const qemu = fakeQemu('refuse', 'echo "Could not access KVM kernel module: Permission denied" >&2; exit 1');
  const choice = await chooseAccel({ setting: 'auto', qemu, timeoutMs: 5000, kvmDevice: OPENS });
  assert.equal(choice.accel, 'tcg');
  assert.match(
    choice.reason,
    /qemu exited \(1\) before the probe guest ran: Could not access KVM kernel module/,
  );
});

test('auto picks TCG without running QEMU when the KVM device cannot be opened', async () => {
  const qemu = fakeQemu('unused', 'exit 0');
  const choice = await chooseAccel({ setting: 'auto', qemu, timeoutMs: 500, kvmDevice: join(dir, 'no-kvm') });
  assert.equal(choice.accel, 'tcg');
  assert.match(choice.reason, /no-kvm is not usable \(ENOENT\)$/);
  assert.equal(existsSync(`${qemu}.args`), false);
});

test('a configured accelerator is used as it is, without a probe', async () => {
  const qemu = fakeQemu('configured', 'exit 0');
  for (const setting of ['kvm', 'tcg'] as const) {
    const choice = await chooseAccel({ setting, qemu, timeoutMs: 500, kvmDevice: OPENS });
    assert.deepEqual(choice, { setting, accel: setting, reason: `configured: accel = "${setting}"` });
  }
  assert.equal(existsSync(`${qemu}.args`), false);
});

test('a QEMU binary that does not exist means TCG is chosen, saying why', async () => {
  const choice = await chooseAccel({
    setting: 'auto',
    qemu: join(dir, 'no-qemu'),
    timeoutMs: 500,
    kvmDevice: OPENS,
  });
  assert.equal(choice.accel, 'tcg');
  assert.match(choice.reason, /cannot run .*no-qemu: timeout: failed to run command/);
});

test('a probe cancelled by the agent shutting down kills its QEMU', async () => {
  const qemu = fakeQemu('abort', 'exec sleep 600');
  const closing = new AbortController();
  const choosing = chooseAccel({
    setting: 'auto',
    qemu,
    timeoutMs: 60_000,
    kvmDevice: OPENS,
    signal: closing.signal,
  });
  while (!existsSync(`${qemu}.pid`)) await new Promise((r) => setTimeout(r, 20));
  closing.abort();
  const choice = await choosing;
  assert.equal(choice.accel, 'tcg');
  assert.match(choice.reason, /cancelled/);
  const pid = Number(readFileSync(`${qemu}.pid`, 'utf8'));
  for (const until = Date.now() + 2000; alive(pid) && Date.now() < until; )
    await new Promise((r) => setTimeout(r, 20));
  assert.equal(alive(pid), false, 'the probe QEMU is killed');
});
