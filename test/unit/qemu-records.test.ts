/** A VM's records on disk and its QEMU's supervision, without booting a guest: a stand-in process. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isAlive, shutdownQemu } from '../../src/adapters/qemu/process.js';
import {
  hasRun,
  qemuPidOf,
  readRecords,
  type VmRecord,
  writeRecord,
} from '../../src/adapters/qemu/records.js';
import { createQemuRuntime } from '../../src/adapters/qemu/runtime.js';

const dir = mkdtempSync(join(tmpdir(), 'mcp-vms-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const record = (name: string): VmRecord => ({
  id: `id-${name}`,
  name,
  labels: { 'mcp.managed': 'true' },
  image: '/var/lib/mcp/images/x',
  imageId: 'img',
  args: ['-pidfile', join(dir, name, 'qemu.pid')],
});

test('records written whole are read back by a restarted runtime; directories without one are skipped', async () => {
  for (const name of ['a-vm', 'b-vm']) {
    mkdirSync(join(dir, name), { recursive: true });
    await writeRecord(join(dir, name), record(name));
  }
  mkdirSync(join(dir, 'stray'), { recursive: true });
  const names = (await readRecords(dir)).map((r) => r.name).sort();
  assert.deepEqual(names, ['a-vm', 'b-vm']);
  assert.equal(hasRun(join(dir, 'a-vm')), false);
  writeFileSync(join(dir, 'a-vm', 'qemu.log'), '');
  assert.equal(hasRun(join(dir, 'a-vm')), true);
});

test('a pid file counts only while its process lives and names that pid file; shutdown ends it', async () => {
  const vmDir = join(dir, 'c-vm');
  mkdirSync(vmDir, { recursive: true });
  const pidFile = join(vmDir, 'qemu.pid');
  // A stand-in for QEMU: a process whose command line names the VM's pid file, as QEMU's does.
  const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', pidFile], { stdio: 'ignore' });
  after(() => child.kill('SIGKILL'));
  assert.ok(child.pid);
  writeFileSync(pidFile, String(child.pid));
  assert.equal(qemuPidOf(vmDir), child.pid);
  writeFileSync(join(dir, 'other.pid'), String(child.pid));
  const other = join(dir, 'other');
  mkdirSync(other, { recursive: true });
  writeFileSync(join(other, 'qemu.pid'), String(child.pid));
  assert.equal(qemuPidOf(other), undefined, 'a live pid that is another VM’s QEMU');

  const exited = new Promise((resolve) => child.once('exit', resolve));
  await shutdownQemu(child.pid, join(vmDir, 'qmp.sock'), 0);
  await exited;
  assert.equal(isAlive(child.pid), false);
  assert.equal(qemuPidOf(vmDir), undefined);
});

test('a VM on the bridge is observed with its address (for the status page)', async () => {
  const vms = join(dir, 'observed');
  mkdirSync(join(vms, 'c-vm'), { recursive: true });
  await writeRecord(join(vms, 'c-vm'), {
    ...record('c-vm'),
    port: { tap: 'mcp00000000', address: '10.99.0.7/24', gateway: '10.99.0.1' },
  });
  const rt = await createQemuRuntime({ dir: vms, accel: 'tcg' });
  try {
    const [vm] = (await rt.observe([], [])).instances;
    assert.equal(vm?.address, '10.99.0.7');
  } finally {
    await rt.close();
  }
});
