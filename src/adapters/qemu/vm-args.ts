/**
 * The QEMU command line of one VM, from its spec. Decisions:
 * - exactly one accelerator, the one chosen at start-up (accel.ts), never `kvm:tcg`: that
 *   falls back only when KVM fails to open, not when it opens and cannot run the guest;
 *   no default devices, no display;
 *   the serial console goes to a file in the VM's directory;
 * - the kernel command line is `console=ttyS0 mcp.name=<instance>` plus the spec's `cmd`;
 * - on the isolated bridge, the first NIC is the VM's TAP and its address and gateway go on
 *   the kernel command line (`mcp.ip=`, `mcp.gw=`); published ports then come in through a
 *   second NIC in QEMU's user mode with `restrict=on` (no way out through it);
 * - without the bridge, QEMU's user mode is the only NIC and forwards the published ports
 *   (the fallback the README's "Unikernel VMs" names);
 * - the MAC address is derived from the instance name, so it is the same on every boot;
 * - a disk image is opened with snapshot=on: a unikernel image is never written to.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { publishedPorts } from '../../domain/instance.js';
import { instanceName } from '../../domain/spec.js';
import type { CreateRequest } from '../../ports/instance-runtime.js';
import type { Accel } from './accel.js';
import type { BridgePort } from './bridge.js';
import type { BootImage } from './image.js';

/** 52:54:00 (QEMU's prefix) and three bytes of the name's SHA-256. */
export const macFor = (name: string): string => {
  const h = createHash('sha256').update(name).digest();
  return ['52', '54', '00', ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0'))].join(':');
};

/** The NICs of a VM: the bridge port and, for published ports, a restricted user-mode NIC. */
const nics = (name: string, forwards: string[], port?: BridgePort): string[] => {
  if (!port)
    return [
      '-netdev',
      ['user', 'id=net0', ...forwards].join(','),
      '-device',
      `virtio-net-pci,netdev=net0,mac=${macFor(name)}`,
    ];
  const tap = [
    '-netdev',
    `tap,id=net0,ifname=${port.tap},script=no,downscript=no`,
    '-device',
    `virtio-net-pci,netdev=net0,mac=${macFor(name)}`,
  ];
  if (!forwards.length) return tap;
  return [
    ...tap,
    '-netdev',
    ['user', 'id=pub0', 'restrict=on', ...forwards].join(','),
    '-device',
    `virtio-net-pci,netdev=pub0,mac=${macFor(`${name}/published`)}`,
  ];
};

/** The QEMU command line of the VM `req` asks for, booting `image`, its files in `dir`. */
export const vmArgs = (
  req: CreateRequest,
  image: BootImage,
  dir: string,
  accel: Accel,
  port?: BridgePort,
): string[] => {
  const { spec } = req;
  const name = instanceName(spec);
  const forwards = publishedPorts(spec, req.routePorts).map(
    (p) => `hostfwd=${p.protocol}:${p.hostIp}:${p.hostPort}-:${p.containerPort}`,
  );
  const addressing = port ? [`mcp.ip=${port.address}`, `mcp.gw=${port.gateway}`] : [];
  const boot =
    image.kind === 'kernel'
      ? [
          '-kernel',
          image.kernel,
          ...(image.initrd ? ['-initrd', image.initrd] : []),
          '-append',
          ['console=ttyS0', `mcp.name=${name}`, ...addressing, ...spec.cmd].join(' '),
        ]
      : ['-drive', `file=${image.file},format=${image.format},if=virtio,snapshot=on`];
  return [
    '-name',
    name,
    '-machine',
    `q35,accel=${accel}`,
    '-m',
    String(spec.memory ?? 128),
    '-smp',
    String(spec.cpus ?? 1),
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-serial',
    `file:${join(dir, 'console.log')}`,
    ...boot,
    ...nics(name, forwards, port),
    '-qmp',
    `unix:${join(dir, 'qmp.sock')},server=on,wait=off`,
    '-pidfile',
    join(dir, 'qemu.pid'),
  ];
};
