/**
 * The one place a plain text of `mcp secret edit` touches a filesystem: a fresh private file
 * (0600, in a 0700 directory of its own) on a tmpfs, removed in every case, also when the
 * terminal hangs up or the process is told to stop while the editor is open.
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '../domain/errors.js';

/** Where the file goes unless $MCP_SECRET_TMPDIR says otherwise. */
export const DEFAULT_EDIT_DIR = '/dev/shm';

/** statfs(2) magic numbers of the filesystems that live in memory only: tmpfs, ramfs. */
const IN_MEMORY = new Set([0x01021994, 0x858458f6]);

const notInMemory = (base: string, why: string): McpError =>
  new McpError('INVALID_CONFIG', `${base} ${why}, so the plain text would reach a disk: nothing decrypted`, {
    hint: 'point $MCP_SECRET_TMPDIR at a tmpfs (e.g. /dev/shm, or mount -t tmpfs tmpfs DIR)',
  });

/** Refuses a `base` that is not on a tmpfs; call before anything is decrypted. */
export const checkTmpfs = async (base: string): Promise<void> => {
  const fs = await statfs(base).catch((err: NodeJS.ErrnoException) => {
    throw notInMemory(base, `cannot be used (${err.code ?? err.message})`);
  });
  if (!IN_MEMORY.has(fs.type)) throw notInMemory(base, 'is not on a tmpfs');
};

const STOPS = ['SIGHUP', 'SIGTERM'] as const;

/** Runs `use` on a file holding `plain` under `base` (a tmpfs, checked); the file is gone when it returns or throws. */
export const withTmpfsFile = async <T>(
  base: string,
  name: string,
  plain: Uint8Array,
  use: (file: string) => Promise<T>,
): Promise<T> => {
  await checkTmpfs(base);
  const dir = await mkdtemp(join(base, 'mcp-secret-'));
  const stop = (signal: NodeJS.Signals) => {
    rmSync(dir, { recursive: true, force: true });
    process.exit(128 + (signal === 'SIGHUP' ? 1 : 15));
  };
  const ignore = () => {}; // Ctrl-C is the editor's; this process waits for it to finish
  for (const s of STOPS) process.on(s, stop);
  process.on('SIGINT', ignore);
  try {
    const file = join(dir, name);
    await writeFile(file, plain, { mode: 0o600, flag: 'wx' });
    return await use(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
    for (const s of STOPS) process.off(s, stop);
    process.off('SIGINT', ignore);
  }
};
