/**
 * A unikernel image is a path: a directory holding `vmlinuz` (and optionally `initrd.img`),
 * booted directly by QEMU, or a disk image file (`.qcow2`, `.img`, `.raw`). Its id is made
 * of sizes and modification times, so an image rebuilt in place is a new image (and the VM
 * built from the old one is recreated), without hashing megabytes on every pass.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '../../domain/errors.js';

export type BootImage =
  | { kind: 'kernel'; kernel: string; initrd?: string; id: string }
  | { kind: 'disk'; file: string; format: 'qcow2' | 'raw'; id: string };

const stamp = (s: { size: number; mtimeMs: number }) => `${s.size}-${Math.trunc(s.mtimeMs)}`;

/** Resolves `ref`; IMAGE_UNAVAILABLE when there is nothing bootable there. */
export const bootImage = async (ref: string): Promise<BootImage> => {
  const missing = (why: string) =>
    new McpError('IMAGE_UNAVAILABLE', `unikernel image ${ref} ${why}`, { image: ref });
  const s = await stat(ref).catch(() => undefined);
  if (!s) throw missing('not found');
  if (s.isFile()) {
    return {
      kind: 'disk',
      file: ref,
      format: ref.endsWith('.qcow2') ? 'qcow2' : 'raw',
      id: `disk:${stamp(s)}`,
    };
  }
  const kernel = join(ref, 'vmlinuz');
  const k = await stat(kernel).catch(() => undefined);
  if (!k?.isFile()) throw missing('has no vmlinuz');
  const initrd = join(ref, 'initrd.img');
  const i = await stat(initrd).catch(() => undefined);
  return {
    kind: 'kernel',
    kernel,
    ...(i?.isFile() && { initrd }),
    id: `kernel:${stamp(k)}${i?.isFile() ? `+${stamp(i)}` : ''}`,
  };
};
