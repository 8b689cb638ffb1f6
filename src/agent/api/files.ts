/**
 * File push / pull for a service's own directory, `<files_root>/<service>/` (default /srv):
 * the configuration and data files its volumes mount. Only services of this node, only
 * relative paths without `.` or `..`.
 *
 * Anything that can write into that directory (a container that mounts it) can swap a
 * directory for a symbolic link at any moment, so no path is checked first and used after.
 * Each step is one kernel lookup relative to an open directory (see confined-fs.ts): a link
 * is followed only while it stays beneath the service's directory (as openat2's
 * RESOLVE_BENEATH), and the file is read from, or renamed into, the directory held open.
 * A push writes a temporary file and renames it into place, so a reader never sees half a
 * file.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { McpError } from '../../domain/errors.js';
import type { StateStore } from '../../ports/state-store.js';
import { type ConfinedDir, openConfined } from './confined-fs.js';

export interface FileTarget {
  service: string;
  /** The service's directory and the file, as configured (not yet resolved). */
  base: string;
  file: string;
  rel: string;
}

const decode = (segment: string): string => {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new McpError('USAGE', `malformed percent-encoding in the path: ${JSON.stringify(segment)}`);
  }
};

/** `/v1/files/<service>/<path>` -> the file it names, or USAGE / NOT_FOUND. */
export const fileTarget = (
  pathname: string,
  ctx: { node: string; store: StateStore; filesRoot: string },
): FileTarget => {
  const segments = pathname.slice('/v1/files/'.length).split('/').map(decode);
  const [service, ...parts] = segments;
  if (!service || !parts.length || parts.some((p) => p === '' || p === '.' || p === '..' || /[\0/]/.test(p)))
    throw new McpError(
      'USAGE',
      'a file is named /v1/files/<service>/<relative path>, without . or .. segments',
    );
  const defined = ctx.store.lastGood()?.services.some((s) => s.name === service && s.node === ctx.node);
  if (!defined) throw new McpError('NOT_FOUND', `no service ${service} on node ${ctx.node}`);
  const base = join(ctx.filesRoot, service);
  return { service, base, file: join(base, ...parts), rel: parts.join('/') };
};

const notFound = (t: FileTarget) => new McpError('NOT_FOUND', `no file ${t.rel} in ${t.base}`);

/** The file's directory inside the service's directory (made when asked), and its name there. */
const openParent = async (t: FileTarget, create: boolean): Promise<{ dir: ConfinedDir; name: string }> => {
  const root = await openConfined(t.base, create, t.rel);
  try {
    return await root.locate(t.rel.split('/'), create);
  } finally {
    await root.close();
  }
};

/** The file's bytes; NOT_FOUND when it is missing, not a regular file, or behind a link that leaves the directory. */
export const pullFile = async (t: FileTarget): Promise<Buffer> => {
  const { dir, name } = await openParent(t, false).catch((err: unknown) => {
    throw err instanceof McpError ? notFound(t) : err;
  });
  try {
    const bytes = await dir.read(name);
    if (!bytes) throw notFound(t);
    return bytes;
  } finally {
    await dir.close();
  }
};

/**
 * Writes the body as the file, creating its directories inside the service's directory;
 * resolves with the number of bytes written. An existing file keeps its mode and owner; a new
 * file (or directory) gets the owner of the directory it is made in, mode 0644 (0755).
 */
export const pushFile = async (t: FileTarget, body: AsyncIterable<Buffer>): Promise<number> => {
  const { dir, name } = await openParent(t, true);
  try {
    return await dir.replace(name, `.mcp-push-${randomBytes(6).toString('hex')}`, body);
  } finally {
    await dir.close();
  }
};
