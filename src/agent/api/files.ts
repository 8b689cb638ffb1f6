/**
 * File push / pull for a service's own directory, `<files_root>/<service>/` (default /srv):
 * the configuration and data files its volumes mount. Only services of this node, only
 * relative paths without `.` or `..`, and nothing reached through a symbolic link that leaves
 * the directory; a push is written to a temporary file and renamed into place, so a reader
 * never sees half a file and a link at the destination is replaced, never followed.
 */
import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { McpError } from '../../domain/errors.js';
import type { StateStore } from '../../ports/state-store.js';

export interface FileTarget {
  service: string;
  /** The service's directory and the file, as configured (not yet resolved). */
  base: string;
  file: string;
  rel: string;
}

const inside = (root: string, path: string): boolean => {
  const rel = relative(root, path);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !rel.startsWith(sep);
};

/** `/v1/files/<service>/<path>` -> the file it names, or USAGE / NOT_FOUND. */
export const fileTarget = (
  pathname: string,
  ctx: { node: string; store: StateStore; filesRoot: string },
): FileTarget => {
  const segments = pathname.slice('/v1/files/'.length).split('/').map(decodeURIComponent);
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

/** The file's bytes; NOT_FOUND when it is missing, a directory, or resolves outside the service's directory. */
export const pullFile = async (t: FileTarget): Promise<Buffer> => {
  const base = await realpath(t.base).catch(() => undefined);
  const file = await realpath(t.file).catch(() => undefined);
  if (!base || !file || !inside(base, file)) throw notFound(t);
  if (!(await lstat(file)).isFile()) throw notFound(t);
  return readFile(file);
};

/**
 * The file's directory, made one segment at a time inside the service's directory: a link
 * among the segments is followed only when it stays inside, so nothing is ever created
 * outside (a recursive mkdir would follow the link first and check after).
 */
const parentInside = async (base: string, dirs: readonly string[], t: FileTarget): Promise<string> => {
  let at = base;
  for (const segment of dirs) {
    const next = join(at, segment);
    const s = await lstat(next).catch(() => undefined);
    if (!s) await mkdir(next);
    else if (s.isSymbolicLink()) {
      const target = await realpath(next).catch(() => undefined);
      if (!target || !inside(base, target) || !(await lstat(target)).isDirectory())
        throw new McpError('USAGE', `${t.rel} leads outside ${t.base}`);
      at = target;
      continue;
    } else if (!s.isDirectory()) throw new McpError('CONFLICT', `${segment} in ${t.rel} is not a directory`);
    at = next;
  }
  return at;
};

/** Writes `body` as the file, creating its directories inside the service's directory. */
export const pushFile = async (t: FileTarget, body: Buffer): Promise<void> => {
  await mkdir(t.base, { recursive: true });
  const base = await realpath(t.base);
  const parts = t.rel.split('/');
  const parent = await parentInside(base, parts.slice(0, -1), t);
  const file = join(parent, parts[parts.length - 1]);
  if ((await lstat(file).catch(() => undefined))?.isDirectory())
    throw new McpError('CONFLICT', `${t.rel} is a directory in ${t.base}`);
  const temp = join(parent, `.mcp-push-${randomBytes(6).toString('hex')}`);
  try {
    await writeFile(temp, body, { flag: 'wx', mode: 0o644 });
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
};
