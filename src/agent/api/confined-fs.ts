/**
 * File I/O that cannot leave a directory, even while something else rewrites it: the rules
 * of openat2(2)'s RESOLVE_BENEATH. Node has no openat(2), but Linux's /proc/self/fd/N names
 * the directory open as N itself (not a path to it), so `/proc/self/fd/N/name` is a lookup
 * of `name` in that very directory: one component at a time, with O_NOFOLLOW, so the kernel
 * never follows a link for us. A symbolic link is read and followed here instead, on the
 * directories held open, and only while it stays beneath the root: a relative target
 * walks from the link's directory (a `..` above the root is refused), an absolute target
 * must name a path inside the root, and at most 40 links are followed. A directory swapped
 * for a link after it was opened is never seen. As a second check, every directory and file
 * opened is confirmed inside the root by its /proc/self/fd link.
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
  /**
   * Where the path `segments` leads beneath this directory, links that stay beneath it
   * followed: the directory (held open) that holds the last entry, and that entry's name
   * (not a link; it may not exist). Directories on the way are made when `create`.
   */
  locate(segments: readonly string[], create: boolean): Promise<{ dir: ConfinedDir; name: string }>;
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

/** `name` became a link between the walk's look at it and its open: the walk looks again. */
class LinkRace extends Error {}

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
    if (link) throw new LinkRace();
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

/** Links followed in one lookup at most, as the kernel's ELOOP limit. */
const MAX_LINKS = 40;

/**
 * Walks `segments` from `root` (held open) as RESOLVE_BENEATH would, following links that stay
 * beneath it; `last` says whether the final segment is a directory to enter (`descend`) or an
 * entry to name (`locate`). Returns the directory reached (open) and the final name.
 */
const walk = async (
  root: FileHandle,
  segments: readonly string[],
  create: boolean,
  last: 'enter' | 'name',
  scope: Scope,
): Promise<{ dir: FileHandle; name?: string }> => {
  const stack = [await open(`/proc/self/fd/${root.fd}`, O_RDONLY | O_DIRECTORY)];
  const closeAll = (from = 0) => Promise.all(stack.splice(from).map((h) => h.close()));
  const pending = [...segments];
  let links = 0;
  try {
    while (pending.length > 0) {
      const segment = pending.shift()!;
      if (segment === '' || segment === '.') continue;
      if (segment === '..') {
        if (stack.length === 1) throw new McpError('USAGE', `${scope.rel} leads above ${scope.root}`);
        await stack.pop()!.close();
        continue;
      }
      const current = stack.at(-1)!;
      const target = await linkTarget(current, segment);
      if (target !== undefined) {
        if (++links > MAX_LINKS)
          throw new McpError('USAGE', `${scope.rel}: too many levels of symbolic links`);
        if (target.startsWith('/')) {
          if (!isInside(scope.root, target))
            throw new McpError(
              'USAGE',
              `${scope.rel} leads through the link ${segment} to ${target}, outside ${scope.root}`,
            );
          await closeAll(1);
          pending.unshift(...target.slice(scope.root.length).split('/'));
        } else pending.unshift(...target.split('/'));
        continue;
      }
      if (pending.length === 0 && last === 'name') {
        const dir = stack.pop()!;
        await closeAll(0);
        return { dir, name: segment };
      }
      const next = await openChild(current, segment, create, scope).catch((err) => {
        // Swapped for a link between the look and the open: look again (counted as a link).
        if (err instanceof LinkRace && ++links <= MAX_LINKS) {
          pending.unshift(segment);
          return undefined;
        }
        throw err;
      });
      if (!next) continue;
      stack.push(next);
      await verify(next, scope);
    }
    const dir = stack.pop()!;
    await closeAll(0);
    return { dir };
  } catch (err) {
    await closeAll(0);
    throw err;
  }
};

/** The target of the link `name` in `dir`; undefined when it is not a link (or absent). */
const linkTarget = async (dir: FileHandle, name: string): Promise<string | undefined> => {
  try {
    return await readlink(at(dir, name));
  } catch {
    return undefined;
  }
};

const confined = (fh: FileHandle, scope: Scope): ConfinedDir => ({
  async descend(segments, create) {
    const { dir } = await walk(fh, segments, create, 'enter', scope);
    return confined(dir, scope);
  },
  async locate(segments, create) {
    const { dir, name } = await walk(fh, segments, create, 'name', scope);
    return { dir: confined(dir, scope), name: name ?? '' };
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
