/**
 * The node-side step of admission: what each path of a revision really is here, links
 * followed. A path that does not exist yet resolves through its nearest existing parent, so
 * a link anywhere above it still counts.
 */
import type { Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import type { PathKind, Resolutions, ResolvedPath } from './types.js';

const kindOf = (s: Stats): PathKind =>
  s.isFile()
    ? 'file'
    : s.isDirectory()
      ? 'directory'
      : s.isSocket()
        ? 'socket'
        : s.isCharacterDevice() || s.isBlockDevice()
          ? 'device'
          : s.isFIFO()
            ? 'fifo'
            : 'other';

const codeOf = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

async function resolveOne(path: string): Promise<ResolvedPath> {
  let rest = '';
  let at = posix.normalize(path);
  for (;;) {
    try {
      const real = await realpath(at);
      if (rest !== '') return { real: posix.join(real, rest), kind: 'missing' };
      return { real, kind: kindOf(await stat(real)) };
    } catch (err) {
      const code = codeOf(err);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || at === '/')
        return { real: posix.join(at, rest), kind: 'unresolvable', reason: code };
      rest = posix.join(posix.basename(at), rest);
      at = posix.dirname(at);
    }
  }
}

/** Resolves every path (absolute) on this node; each lookup is a few system calls. */
export async function resolvePaths(paths: readonly string[]): Promise<Resolutions> {
  const unique = [...new Set(paths.map((p) => posix.normalize(p)))];
  const resolved = await Promise.all(unique.map(resolveOne));
  return new Map(unique.map((p, i) => [p, resolved[i]]));
}
