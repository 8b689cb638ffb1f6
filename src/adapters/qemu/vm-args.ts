/**
 * The QEMU command line of one VM, from its spec. Decisions:
 * - KVM when the host has it, else TCG (`accel=kvm:tcg`); no default devices, no display;
 *   the serial console goes to a file in the VM's directory;
 * - the kernel command line is `console=ttyS0 mcp.name=<instance>` plus the spec's `cmd`;
 * - networking is QEMU's user mode with every published port forwarded by QEMU itself
 *   (the fallback DESIGN.md names for hosts without the isolated bridge);
 * - the MAC address is derived from the instance name, so it is the same on every boot;
 * - a disk image is opened with snapshot=on: a unikernel image is never written to.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { publishedPorts } from '../../domain/instance.js';
import { instanceName } from '../../domain/spec.js';
import type { CreateRequest } from '../../ports/container-runtime.js';
import type { BootImage } from './image.js';

/** 52:54:00 (QEMU's prefix) and three bytes of the name's SHA-256. */
export const macFor = (name: string): string => {
  const h = createHash('sha256').update(name).digest();
  return ['52', '54', '00', ...[h[0], h[1], h[2]].map((b) => b.toString(16).padStart(2, '0'))].join(':');
};

export const vmArgs = (req: CreateRequest, image: BootImage, dir: string): string[] => {
  const { spec } = req;
  const name = instanceName(spec);
  const forwards = publishedPorts(spec, req.routePorts).map(
    (p) => `hostfwd=${p.protocol}:${p.hostIp}:${p.hostPort}-:${p.containerPort}`,
  );
  const boot =
    image.kind === 'kernel'
      ? [
          '-kernel',
          image.kernel,
          ...(image.initrd ? ['-initrd', image.initrd] : []),
          '-append',
          ['console=ttyS0', `mcp.name=${name}`, ...spec.cmd].join(' '),
        ]
      : ['-drive', `file=${image.file},format=${image.format},if=virtio,snapshot=on`];
  return [
    '-name',
    name,
    '-machine',
    'q35,accel=kvm:tcg',
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
    '-netdev',
    ['user', 'id=net0', ...forwards].join(','),
    '-device',
    `virtio-net-pci,netdev=net0,mac=${macFor(name)}`,
    '-qmp',
    `unix:${join(dir, 'qmp.sock')},server=on,wait=off`,
    '-pidfile',
    join(dir, 'qemu.pid'),
  ];
};
