/**
 * The QEMU command line of a VM and the identity of its image: deterministic, publishing
 * exactly the spec's ports and routes, and an image rebuilt in place is a new image.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { allocateAddress, tapName } from '../../src/adapters/qemu/bridge.js';
import { bootImage } from '../../src/adapters/qemu/image.js';
import { macFor, vmArgs } from '../../src/adapters/qemu/vm-args.js';
import { McpError } from '../../src/domain/errors.js';
import { component } from '../support/plan-builders.js';

const echo = component('echo', 'vm', {
  kind: 'unikernel',
  image: '/images/echo',
  memory: 96,
  cpus: 2,
  ports: [{ hostIp: '127.0.0.1', hostPort: 8090, containerPort: 8080, protocol: 'tcp' }],
  routes: [{ name: 'http', port: 8080, mode: 'l7' }],
  cmd: ['echo.port=8080'],
});

test('a VM boots its kernel with its name and cmd, and QEMU forwards its ports and routes', () => {
  const args = vmArgs(
    { spec: echo, hash: 'h', routePorts: { http: 10001 } },
    { kind: 'kernel', kernel: '/images/echo/vmlinuz', initrd: '/images/echo/initrd.img', id: 'k' },
    '/state/vms/echo-vm',
    'tcg',
  );
  const at = (flag: string) => args[args.indexOf(flag) + 1];
  assert.equal(at('-name'), 'echo-vm');
  assert.equal(at('-m'), '96');
  assert.equal(at('-smp'), '2');
  assert.equal(at('-kernel'), '/images/echo/vmlinuz');
  assert.equal(at('-initrd'), '/images/echo/initrd.img');
  assert.equal(at('-append'), 'console=ttyS0 mcp.name=echo-vm echo.port=8080');
  assert.equal(
    at('-netdev'),
    'user,id=net0,hostfwd=tcp:127.0.0.1:8090-:8080,hostfwd=tcp:127.0.0.1:10001-:8080',
  );
  assert.equal(at('-device'), `virtio-net-pci,netdev=net0,mac=${macFor('echo-vm')}`);
  assert.equal(at('-machine'), 'q35,accel=tcg', 'one accelerator, never kvm:tcg');
  assert.equal(at('-qmp'), 'unix:/state/vms/echo-vm/qmp.sock,server=on,wait=off');
  assert.equal(at('-pidfile'), '/state/vms/echo-vm/qemu.pid');
});

test('a disk image is booted read-only through a snapshot', () => {
  const args = vmArgs(
    { spec: echo, hash: 'h', routePorts: {} },
    { kind: 'disk', file: '/images/echo.qcow2', format: 'qcow2', id: 'd' },
    '/d',
    'kvm',
  );
  assert.equal(
    args[args.indexOf('-drive') + 1],
    'file=/images/echo.qcow2,format=qcow2,if=virtio,snapshot=on',
  );
  assert.equal(args.includes('-kernel'), false);
});

test('the MAC address is QEMU-local, stable per name and different between names', () => {
  assert.match(macFor('echo-vm'), /^52:54:00(:[0-9a-f]{2}){3}$/);
  assert.equal(macFor('echo-vm'), macFor('echo-vm'));
  assert.notEqual(macFor('echo-vm'), macFor('echo-vm2'));
});

test('an image is a kernel directory or a disk file; a rebuild in place changes its id', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'mcp-image-'));
  mkdirSync(join(dir, 'echo'));
  writeFileSync(join(dir, 'echo', 'vmlinuz'), 'kernel');
  const first = await bootImage(join(dir, 'echo'));
  assert.equal(first.kind, 'kernel');
  writeFileSync(join(dir, 'echo', 'initrd.img'), 'initrd');
  const withInitrd = await bootImage(join(dir, 'echo'));
  assert.notEqual(withInitrd.id, first.id);
  utimesSync(join(dir, 'echo', 'vmlinuz'), new Date(), new Date(Date.now() + 5000));
  assert.notEqual((await bootImage(join(dir, 'echo'))).id, withInitrd.id);
  writeFileSync(join(dir, 'disk.qcow2'), 'qcow');
  assert.deepEqual(
    { ...(await bootImage(join(dir, 'disk.qcow2'))), id: '' },
    { kind: 'disk', file: join(dir, 'disk.qcow2'), format: 'qcow2', id: '' },
  );
  const unavailable = (message: RegExp) => (err: unknown) =>
    err instanceof McpError && err.code === 'IMAGE_UNAVAILABLE' && message.test(err.message);
  await assert.rejects(bootImage(join(dir, 'nothing')), unavailable(/nothing not found$/));
  mkdirSync(join(dir, 'empty'));
  await assert.rejects(bootImage(join(dir, 'empty')), unavailable(/empty has no vmlinuz$/));
});

test('on the bridge, the first NIC is the TAP with the address on the kernel command line, and ports come in on a restricted second NIC', () => {
  const args = vmArgs(
    { spec: echo, hash: 'h', routePorts: {} },
    { kind: 'kernel', kernel: '/k/vmlinuz', id: 'k' },
    '/d',
    'tcg',
    { tap: tapName('echo-vm'), address: '10.99.0.2/24', gateway: '10.99.0.1' },
  );
  const all = (flag: string) => args.flatMap((a, i) => (a === flag ? [args[i + 1]] : []));
  assert.deepEqual(all('-netdev'), [
    `tap,id=net0,ifname=${tapName('echo-vm')},script=no,downscript=no`,
    'user,id=pub0,restrict=on,hostfwd=tcp:127.0.0.1:8090-:8080',
  ]);
  assert.equal(all('-device').length, 2);
  assert.equal(
    args[args.indexOf('-append') + 1],
    'console=ttyS0 mcp.name=echo-vm mcp.ip=10.99.0.2/24 mcp.gw=10.99.0.1 echo.port=8080',
  );
  const unpublished = vmArgs(
    { spec: { ...echo, ports: [] }, hash: 'h', routePorts: {} },
    { kind: 'kernel', kernel: '/k/vmlinuz', id: 'k' },
    '/d',
    'tcg',
    { tap: 'mcpx', address: '10.99.0.2/24', gateway: '10.99.0.1' },
  );
  assert.equal(
    unpublished.filter((a) => a === '-netdev').length,
    1,
    'no user-mode NIC without published ports',
  );
});

test('bridge addresses: the lowest free host address, never the gateway, the same for a name every time', async () => {
  const file = join(mkdtempSync(join(tmpdir(), 'mcp-addr-')), 'addresses.json');
  const bridge = { name: 'mcp-br0', subnet: '10.99.0.0/29', gateway: '10.99.0.1' };
  assert.equal(await allocateAddress(file, 'a-vm', bridge), '10.99.0.2/29');
  assert.equal(await allocateAddress(file, 'b-vm', bridge), '10.99.0.3/29');
  assert.equal(await allocateAddress(file, 'a-vm', bridge), '10.99.0.2/29');
  for (const n of ['c', 'd', 'e']) await allocateAddress(file, `${n}-vm`, bridge);
  await assert.rejects(allocateAddress(file, 'g-vm', bridge), /no free address left in 10\.99\.0\.0\/29/);
  assert.match(tapName('a-vm'), /^mcp[0-9a-f]{8}$/);
});
