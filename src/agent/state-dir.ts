/**
 * The agent's directories made and proved writable before anything is stored in them. Node's
 * recursive mkdir spins forever on a path it cannot make under /proc; this one climbs at most
 * once per path component, and every failure is a one-line INVALID_CONFIG naming the key,
 * the path and the fix.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { McpError } from '../domain/errors.js';

const code = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

const why = (errno: string): string =>
  ({
    ENOTDIR: 'a component of the path is a file, not a directory',
    EEXIST: 'it exists and is not a directory',
    EACCES: 'permission denied',
    EPERM: 'not permitted',
    EROFS: 'read-only file system',
    ENOENT: 'it cannot be created there',
  })[errno] ?? errno;

const refuse = (key: string, path: string, errno: string): McpError =>
  new McpError(
    'INVALID_CONFIG',
    `${key} ${path} is not a usable directory (${why(errno)}): point ${key} at a writable directory`,
    { key, path, errno },
  );

/** Makes `path` and its missing parents (with `mode`); `key` names the setting in errors. */
export const ensureDir = async (path: string, key: string, mode = 0o700): Promise<void> => {
  try {
    await mkdir(path, { mode });
    return;
  } catch (err) {
    if (code(err) === 'EEXIST') {
      if ((await stat(path).catch(() => undefined))?.isDirectory()) return;
      throw refuse(key, path, 'EEXIST');
    }
    if (code(err) !== 'ENOENT' || dirname(path) === path) throw refuse(key, path, code(err));
  }
  await ensureDir(dirname(path), key, mode);
  await mkdir(path, { mode }).catch((err) => {
    if (code(err) !== 'EEXIST') throw refuse(key, path, code(err));
  });
};

/** Makes `state_dir` and proves a file can be written in it. */
export const prepareStateDir = async (path: string): Promise<void> => {
  await ensureDir(path, 'state_dir');
  const probe = join(path, `.mcp-probe-${process.pid}`);
  try {
    await writeFile(probe, '', { flag: 'wx' });
  } catch (err) {
    throw refuse('state_dir', path, code(err));
  } finally {
    await rm(probe, { force: true });
  }
};
