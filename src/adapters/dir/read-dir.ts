/** The service files of a working directory, named the way a git revision would name them. */
import type { Dirent } from 'node:fs';
import { lstat, readdir, readFile, realpath, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, sep } from 'node:path';
import { McpError } from '../../domain/errors.js';
import { byName } from '../../domain/order.js';
import { RECIPIENTS_FILE, type RepoSecrets, SECRET_LIMIT_BYTES } from '../../domain/secrets.js';
import type { SourceFile, SpecError } from '../../domain/spec-error.js';
import {
  FILE_LIMIT_BYTES,
  fileTooLarge,
  REVISION_LIMIT_BYTES,
  revisionTooLarge,
} from '../../validate/limits.js';
import { sourceFile } from '../../validate/source-file.js';

/** The files that could be read, and a located error for each that could not. */
export interface DirFiles {
  files: SourceFile[];
  errors: SpecError[];
  /** DIR has neither a services/ directory nor a service file of its own. */
  missing?: boolean;
}

const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

const codeOf = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? String(err);

const within = (root: string, target: string): boolean => {
  const rel = relative(root, target);
  return rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
};

const fault = (file: string, message: string, hint?: string): SpecError => ({
  file,
  path: '',
  message,
  ...(hint !== undefined && { hint }),
});

const leaves = (file: string): SpecError =>
  fault(
    file,
    'symbolic link leaves the repository',
    'only links to files inside the repository are followed',
  );

/** Reads one entry; a link is followed only to a regular file inside `root`. */
export async function readEntry(
  root: string,
  full: string,
  path: string,
  entry: Dirent,
): Promise<SourceFile | SpecError> {
  if (entry.isSymbolicLink()) {
    let target: string;
    try {
      target = await realpath(full);
    } catch (err) {
      const code = codeOf(err);
      return fault(
        path,
        code === 'ENOENT' ? 'dangling symbolic link' : `cannot follow symbolic link: ${code}`,
      );
    }
    if (!within(root, target)) return leaves(path);
    const s = await stat(target).catch(() => undefined);
    if (s?.isDirectory()) return fault(path, 'is a directory');
    if (s && !s.isFile()) return fault(path, 'is not a regular file');
  } else if (!entry.isFile()) return fault(path, 'is not a regular file');
  let bytes: Buffer;
  try {
    const size = (await stat(full)).size;
    const large = fileTooLarge(path, size);
    if (large) return large;
    bytes = await readFile(full);
  } catch (err) {
    const code = codeOf(err);
    return fault(path, code === 'EISDIR' ? 'is a directory' : `cannot read: ${code}`);
  }
  return sourceFile(path, bytes);
}

/**
 * The names to read, in order; none when their sizes together pass REVISION_LIMIT_BYTES,
 * but the error of the file where they do: such a revision is not read at all.
 */
async function withinRevisionLimit(
  dir: string,
  prefix: string,
  names: Dirent[],
): Promise<{ names: Dirent[]; error?: SpecError }> {
  const sorted = [...names].sort(byName);
  const sizes = await Promise.all(
    sorted.map((e) =>
      stat(join(dir, prefix, e.name)).then(
        (s) => Math.min(s.size, FILE_LIMIT_BYTES + 1),
        () => 0,
      ),
    ),
  );
  let total = 0;
  for (let k = 0; k < sorted.length; k++) {
    total += sizes[k];
    if (total > REVISION_LIMIT_BYTES)
      return { names: [], error: revisionTooLarge(prefix + sorted[k].name, total) };
  }
  return { names: sorted };
}

/**
 * DIR/services/*.toml (paths 'services/x.toml'), or DIR/*.toml when there is no services/
 * directory; hidden files and directories are skipped. NOT_FOUND when DIR is not a directory.
 *
 * A file that cannot be read (permissions, a link to a directory, a dangling link, a FIFO)
 * is an error of that file, reported with the errors of every other file; so is a services/
 * directory that cannot be listed. Links are followed only when they resolve inside DIR; one
 * that leaves it is an error rather than skipped, so the revision is invalid (the agent keeps
 * what runs) instead of silently missing a service.
 */
export async function readServiceFiles(dir: string): Promise<DirFiles> {
  if (!(await isDirectory(dir))) throw new McpError('NOT_FOUND', `no such directory: ${dir}`, { dir });
  const root = await realpath(dir);
  const services = join(dir, 'services');
  const prefix = (await isDirectory(services)) ? 'services/' : '';
  if (prefix !== '' && (await lstat(services)).isSymbolicLink() && !within(root, await realpath(services)))
    return { files: [], errors: [leaves('services')] };
  let entries: Dirent[];
  try {
    entries = await readdir(join(dir, prefix), { withFileTypes: true });
  } catch (err) {
    return { files: [], errors: [fault(prefix === '' ? '.' : 'services', `cannot read: ${codeOf(err)}`)] };
  }
  const { names, error } = await withinRevisionLimit(
    dir,
    prefix,
    entries.filter((e) => !e.isDirectory() && e.name.endsWith('.toml') && !e.name.startsWith('.')),
  );
  const read = await Promise.all(
    names.map((e) => readEntry(root, join(dir, prefix, e.name), prefix + e.name, e)),
  );
  return {
    files: read.filter((r): r is SourceFile => 'text' in r),
    errors: [...read.filter((r): r is SpecError => 'message' in r), ...(error ? [error] : [])],
    ...(prefix === '' && names.length === 0 && !error ? { missing: true } : {}),
  };
}

/** The regular files of `dir` (links are not followed), by name; none when it cannot be listed. */
const regularFiles = async (dir: string): Promise<Dirent[]> =>
  (await readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isFile());

/** Bytes of a regular file no larger than the secret limit, else undefined. */
const smallFile = async (path: string): Promise<Buffer | undefined> => {
  const s = await lstat(path).catch(() => undefined);
  return s?.isFile() && s.size <= SECRET_LIMIT_BYTES ? readFile(path).catch(() => undefined) : undefined;
};

/**
 * DIR/.mcp/recipients.toml and the regular files DIR/secrets/<service>/<name>.age|.recipients,
 * as a git revision would hold them; links and larger files are left out.
 */
export async function readSecretFiles(dir: string): Promise<RepoSecrets> {
  const files = new Map<string, Uint8Array>();
  const top = join(dir, 'secrets');
  const services = (await readdir(top, { withFileTypes: true }).catch(() => [])).filter((e) =>
    e.isDirectory(),
  );
  for (const service of services)
    for (const e of await regularFiles(join(top, service.name))) {
      if (!/\.(age|recipients)$/.test(e.name)) continue;
      const bytes = await smallFile(join(top, service.name, e.name));
      if (bytes) files.set(`secrets/${service.name}/${e.name}`, bytes);
    }
  const recipients = await smallFile(join(dir, RECIPIENTS_FILE));
  return recipients ? { recipients: recipients.toString('utf8'), files } : { files };
}
