/**
 * A VM's record on disk: `<dir>/<instance>/vm.json` (labels, image id, the QEMU command line)
 * beside `qemu.pid` and `qemu.log`. Written whole (temporary file, rename), read back by a
 * restarted agent, so VMs outlive the process that started them.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import { McpError } from '../../domain/errors.js';
import type { Accel } from './accel.js';
import type { BridgePort } from './bridge.js';
import { isAlive } from './process.js';

/** What MCP keeps about one VM. */
export interface VmRecord {
  id: string;
  name: string;
  labels: Record<string, string>;
  image: string;
  imageId: string;
  args: string[];
  /** The VM's TAP on the isolated bridge, when it was created on one. */
  port?: BridgePort;
  /** The accelerator in its command line (records written before it existed: unknown). */
  accel?: Accel;
}

/** Writes `rec` into its directory `vmDir` atomically. */
export const writeRecord = (vmDir: string, rec: VmRecord): Promise<void> =>
  writeFileAtomic(join(vmDir, 'vm.json'), JSON.stringify(rec, null, 2), 0o644);

/** Every VM recorded under `dir` (directories without a vm.json are skipped). */
export const readRecords = async (dir: string): Promise<VmRecord[]> => {
  await mkdir(dir, { recursive: true });
  const records: VmRecord[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const path = join(dir, entry.name, 'vm.json');
    const text = await readFile(path, 'utf8').catch(() => undefined);
    if (text === undefined) continue;
    try {
      records.push(JSON.parse(text) as VmRecord);
    } catch (err) {
      throw new McpError(
        'INVALID_CONFIG',
        `${path} is not a VM record (${(err as Error).message}): stop that VM's QEMU if it runs, then remove ${join(dir, entry.name)} for the agent to create the VM again`,
        { path },
      );
    }
  }
  return records;
};

/** The pid in `vmDir/qemu.pid` when that process is alive and really is this VM's QEMU. */
export const qemuPidOf = (vmDir: string): number | undefined => {
  try {
    const pid = Number(readFileSync(join(vmDir, 'qemu.pid'), 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return undefined;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes(join(vmDir, 'qemu.pid')) ? pid : undefined;
  } catch {
    return undefined;
  }
};

/** True once QEMU was ever started for the VM in `vmDir` (it leaves a qemu.log). */
export const hasRun = (vmDir: string): boolean => {
  try {
    readFileSync(join(vmDir, 'qemu.log'));
    return true;
  } catch {
    return false;
  }
};
