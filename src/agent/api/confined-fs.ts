/**
 * File I/O that cannot leave a directory, even while something else rewrites it. Node has no
 * openat(2), but Linux's /proc/self/fd/N names the directory open as N itself (not a path
 * to it), so `/proc/self/fd/N/name` is a lookup of `name` in that very directory: one
 * component at a time, with O_NOFOLLOW, a symbolic link is refused rather than followed,
 * and a directory swapped for a link after it was opened is never seen. As a second check,
 * every directory and file opened is confirmed inside the root by its /proc/self/fd link.
 */

import type { Stats } from 'node:fs';
import { constants, type FileHandle, lstat, mkdir, open, readlink, rename, unlink } from 'node:fs/promises';
import { McpError } from '../../domain/errors.js';
import { ensureDir } from '../state-dir.js';

const { O_RDONLY, O_WRONLY, O_CREAT, O_EXCL, O_DIRECTORY, O_NOFOLLOW, O_NONBLOCK, O_NOCTTY } = constants;

/** Mode of a file or directory the files API creates (an existing file keeps its own). */
export const NEW_FILE_MODE = 0o644;
export const NEW_DIR_MODE = 0o755;

/** A directory held open inside a root; every operation is relative to it. */
export interface ConfinedDir {
  /** The directory reached by `segments` below this one (made on the way when `create`). */
  descend(segments: readonly string[], create: boolean): Promise<ConfinedDir>;
  /** The bytes of the regular file `name`, or undefined when there is none (a link is none). */
  read(name: string): Promise<Buffer | undefined>;
  /** Writes `body` to `temp`, then renames it over `name`; resolves with the bytes written. */
  replace(name: string, temp: string, body: AsyncIterable<Buffer>): Promise<number>;
  close(): Promise<void>;
}

const code = (err: unknown): string | undefined => (err as NodeJS.ErrnoException).code;

const fdPath = (fh: FileHandle): Promise<string> => readlink(`/proc/self/fd/${fh.fd}`);

const isInside = (root: string, path: string): boolean => path === root || path.startsWith(`${root}/`);

/** Owner and mode for something new in `parent`: the owner of `parent` when running as root. */
const adopt = async (fh: FileHandle, parent: Stats, mode: number): Promise<void> => {
  if (process.getuid?.() === 0) await fh.chown(parent.uid, parent.gid);
  await fh.chmod(mode);
};

interface Scope {
  /** The root's real path, as /proc/self/fd reports it. */
  root: string;
  /** The file asked for, in messages. */
  rel: string;
}

const at = (dir: FileHandle, name: string) => `/proc/self/fd/${dir.fd}/${name}`;

const verify = async (opened: FileHandle, scope: Scope): Promise<void> => {
  if (isInside(scope.root, await fdPath(opened))) return;
  throw new McpError('USAGE', `${scope.rel} was moved out of ${scope.root} while in use`);
};

/** The directory `name` in `dir`, opened without following a link; made first when `create`. */
const openChild = async (
  dir: FileHandle,
  name: string,
  create: boolean,
  scope: Scope,
): Promise<FileHandle> => {
  try {
    return await open(at(dir, name), O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
  } catch (err) {
    if (code(err) === 'ENOENT' && create) {
      await mkdir(at(dir, name), NEW_DIR_MODE).catch((e) => {
        if (code(e) !== 'EEXIST') throw e;
      });
      const made = await openChild(dir, name, false, scope);
      await adopt(made, await dir.stat(), NEW_DIR_MODE).catch(async (e) => {
        await made.close();
        throw e;
      });
      return made;
    }
    if (code(err) === 'ENOENT') throw new McpError('NOT_FOUND', `no directory ${name} for ${scope.rel}`);
    const link =
      code(err) === 'ELOOP' || (await lstat(at(dir, name)).catch(() => undefined))?.isSymbolicLink();
    if (link)
      throw new McpError(
        'USAGE',
        `${scope.rel} leads through the symbolic link ${name}; links are not followed`,
      );
    if (code(err) === 'ENOTDIR') throw new McpError('CONFLICT', `${name} in ${scope.rel} is not a directory`);
    throw err;
  }
};

const readIn = async (dir: FileHandle, name: string, scope: Scope): Promise<Buffer | undefined> => {
  const seen = await lstat(at(dir, name)).catch(() => undefined);
  if (!seen?.isFile()) return undefined;
  const file = await open(at(dir, name), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY).catch(
    () => undefined,
  );
  if (!file) return undefined;
  try {
    const stat = await file.stat();
    if (!stat.isFile() || stat.ino !== seen.ino) return undefined;
    await verify(file, scope);
    return await file.readFile();
  } finally {
    await file.close();
  }
};

const writeAll = async (file: FileHandle, body: AsyncIterable<Buffer>): Promise<number> => {
  let bytes = 0;
  for await (const chunk of body) {
    for (let off = 0; off < chunk.length; ) off += (await file.write(chunk, off)).bytesWritten;
    bytes += chunk.length;
  }
  return bytes;
};

const replaceIn = async (
  dir: FileHandle,
  name: string,
  temp: string,
  body: AsyncIterable<Buffer>,
  scope: Scope,
): Promise<number> => {
  const existing = await lstat(at(dir, name)).catch((err) => {
    if (code(err) === 'ENOENT') return undefined;
    throw err;
  });
  if (existing?.isDirectory()) throw new McpError('CONFLICT', `${scope.rel} is a directory`);
  const file = await open(at(dir, temp), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o600);
  try {
    let bytes: number;
    try {
      bytes = await writeAll(file, body);
      if (existing?.isFile()) {
        if (process.getuid?.() === 0) await file.chown(existing.uid, existing.gid);
        await file.chmod(existing.mode & 0o777); // never a set-id bit: the content is new
      } else await adopt(file, await dir.stat(), NEW_FILE_MODE);
    } finally {
      await file.close();
    }
    await verify(dir, scope);
    await rename(at(dir, temp), at(dir, name));
    return bytes;
  } catch (err) {
    await unlink(at(dir, temp)).catch(() => {});
    throw err;
  }
};

const confined = (fh: FileHandle, scope: Scope): ConfinedDir => ({
  async descend(segments, create) {
    let current = await open(`/proc/self/fd/${fh.fd}`, O_RDONLY | O_DIRECTORY);
    try {
      for (const segment of segments) {
        const next = await openChild(current, segment, create, scope);
        await current.close();
        current = next;
        await verify(current, scope);
      }
      return confined(current, scope);
    } catch (err) {
      await current.close();
      throw err;
    }
  },
  read: (name) => readIn(fh, name, scope),
  replace: (name, temp, body) => replaceIn(fh, name, temp, body, scope),
  close: () => fh.close(),
});

/**
 * Opens `base` (a path from the configuration, trusted), making it when `create`; `rel` names
 * the file asked for, in messages.
 */
export const openConfined = async (base: string, create: boolean, rel: string): Promise<ConfinedDir> => {
  const openBase = () => open(base, O_RDONLY | O_DIRECTORY);
  const fh = await openBase().catch(async (err) => {
    if (code(err) !== 'ENOENT') throw err;
    if (!create) throw new McpError('NOT_FOUND', `no directory ${base}`);
    await ensureDir(base, 'api.files_root', NEW_DIR_MODE);
    return openBase();
  });
  return confined(fh, { root: await fdPath(fh), rel });
};
