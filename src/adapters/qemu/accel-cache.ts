/**
 * The accelerator decision's cache. What a KVM probe finds holds until the host reboots or QEMU
 * changes, so its outcome is kept in one small JSON file (`<state_dir>/vms/accel.json`) keyed by
 * the kernel's boot id and the first line of `<qemu> --version`; an agent restarted in the same
 * boot reads it instead of probing again. QEMU's version is read once per binary: the file also
 * holds the binary's identity (device, inode, size, times), and while that is unchanged the
 * version in the file is taken as it is, without running QEMU.
 */
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { delimiter, dirname, join } from 'node:path';
import { writeFileAtomic } from '../../atomic-file.js';
import type { AccelChoice, AccelKey } from '../../domain/accel.js';

export interface AccelCache {
  /** The cached decision when its key is this boot's and this QEMU's; undefined otherwise. */
  read(): Promise<AccelChoice | undefined>;
  /** Keeps a decision under this boot's key (when it can be known); returns it with its key. */
  write(choice: AccelChoice): Promise<AccelChoice>;
}

export interface AccelCacheOptions {
  /** The cache file. */
  file: string;
  /** The QEMU binary (a name looked up in PATH, or a path). */
  qemu: string;
  /** Where the boot id is read (tests point it elsewhere). */
  bootIdFile?: string;
}

/** The boot id's file on Linux. */
export const BOOT_ID_FILE = '/proc/sys/kernel/random/boot_id';

/** What the cache file holds: the decision, its key, and the QEMU binary's identity. */
type CacheFile = AccelChoice & { key: AccelKey; binary: string };

/** Opens the cache; nothing is read until the first `read`. */
export const accelCache = (opts: AccelCacheOptions): AccelCache => {
  let current: { key: AccelKey; binary: string } | undefined;
  return {
    async read() {
      const file = await readCacheFile(opts.file);
      current = await keyNow(opts, file);
      // Only a probe's finding is reused: the device's state is checked anew each time.
      if (!file || !current || file.source !== 'probe' || !sameKey(file.key, current.key)) return undefined;
      const { binary: _, ...choice } = file;
      return { ...choice, source: 'cache' };
    },
    async write(choice) {
      const file = await readCacheFile(opts.file);
      current ??= await keyNow(opts, file);
      if (!current) return choice;
      // A decision the file already holds for this key (the KVM device still unusable) is not rewritten.
      if (file && sameKey(file.key, current.key) && sameDecision(file, choice))
        return { ...choice, key: current.key };
      const kept: AccelChoice = {
        ...choice,
        key: current.key,
        ...(choice.source === 'probe' && { probedAt: new Date().toISOString() }),
      };
      await mkdir(dirname(opts.file), { recursive: true });
      await writeFileAtomic(opts.file, JSON.stringify({ ...kept, binary: current.binary }, null, 2), 0o644);
      return kept;
    },
  };
};

const sameKey = (a: AccelKey, b: AccelKey) => a.bootId === b.bootId && a.qemuVersion === b.qemuVersion;
const sameDecision = (a: AccelChoice, b: AccelChoice) =>
  a.source === b.source && a.accel === b.accel && a.reason === b.reason;

/** This boot's key; undefined when the boot id or QEMU's version cannot be read (then nothing is cached). */
const keyNow = async (
  opts: AccelCacheOptions,
  file: CacheFile | undefined,
): Promise<{ key: AccelKey; binary: string } | undefined> => {
  const bootId = (await readFile(opts.bootIdFile ?? BOOT_ID_FILE, 'utf8').catch(() => '')).trim();
  const binary = await binaryIdentity(opts.qemu);
  if (!bootId || !binary) return undefined;
  const qemuVersion = file?.binary === binary ? file.key.qemuVersion : await versionOf(opts.qemu);
  return qemuVersion ? { key: { bootId, qemuVersion }, binary } : undefined;
};

/** The binary's path and what changes when it is replaced or rewritten. */
const binaryIdentity = async (qemu: string): Promise<string | undefined> => {
  const dirs = qemu.includes('/') ? [''] : (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of dirs) {
    const path = dir ? join(dir, qemu) : qemu;
    const s = await stat(path).catch(() => undefined);
    if (s?.isFile()) return `${path} ${s.dev}:${s.ino} ${s.size} ${s.mtimeMs} ${s.ctimeMs}`;
  }
  return undefined;
};

/** The first line of `<qemu> --version`, or undefined when QEMU does not answer. */
const versionOf = (qemu: string): Promise<string | undefined> =>
  new Promise((resolve) => {
    execFile(qemu, ['--version'], { timeout: 10_000 }, (err, stdout) => {
      const line = String(stdout).split('\n')[0]?.trim();
      resolve(err || !line ? undefined : line);
    });
  });

const readCacheFile = async (file: string): Promise<CacheFile | undefined> => {
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as Partial<CacheFile>;
    const { key } = parsed;
    const valid =
      typeof key?.bootId === 'string' &&
      typeof key.qemuVersion === 'string' &&
      typeof parsed.binary === 'string' &&
      parsed.setting === 'auto' &&
      (parsed.accel === 'kvm' || parsed.accel === 'tcg') &&
      typeof parsed.reason === 'string';
    return valid ? (parsed as CacheFile) : undefined;
  } catch {
    return undefined;
  }
};
