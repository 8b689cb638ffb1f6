/**
 * Reads the files of one directory at one commit straight from the object database, without
 * a checkout, so two revisions can be compared side by side. isomorphic-git stays in here.
 */
import fs from 'node:fs';
import { join, posix } from 'node:path';
import git from 'isomorphic-git';
import { McpError } from '../../domain/errors.js';
import { type RepoSecrets, SECRET_LIMIT_BYTES } from '../../domain/secrets.js';

/** A file at a commit, as bytes (decoding and its errors are the loader's); path relative to the repository root. */
export interface FileAtRef {
  path: string;
  bytes: Uint8Array;
}

/** A service file of the commit that could not be read, and why. */
export interface FileFault {
  path: string;
  message: string;
  hint?: string;
}

interface TreeEntry {
  path: string;
  oid: string;
  type: string;
  mode: string;
}

const SYMLINK = '120000';
const MAX_LINKS = 8;

const gitdirOf = (repoDir: string): string =>
  fs.existsSync(join(repoDir, '.git')) ? join(repoDir, '.git') : repoDir;

async function resolveBase(gitdir: string, ref: string, cache: object): Promise<string> {
  try {
    return await git.resolveRef({ fs, gitdir, ref });
  } catch (err) {
    if (!/^[0-9a-f]{4,39}$/i.test(ref)) throw err;
    return await git.expandOid({ fs, gitdir, oid: ref.toLowerCase(), cache });
  }
}

/** Full commit id of `ref`: a branch, tag, (short) id, each optionally followed by ~N / ^N. */
export async function resolveCommit(repoDir: string, ref: string, cache: object = {}): Promise<string> {
  const gitdir = gitdirOf(repoDir);
  const [, base, suffix] = /^(.*?)((?:[~^]\d*)*)$/.exec(ref)!;
  try {
    let oid = (
      await git.readCommit({ fs, gitdir, oid: await resolveBase(gitdir, base || 'HEAD', cache), cache })
    ).oid;
    for (const [, op, n] of suffix.matchAll(/([~^])(\d*)/g)) {
      const count = n === '' ? 1 : Number(n);
      for (let k = 0; k < (op === '~' ? count : Math.min(count, 1)); k++) {
        const { commit } = await git.readCommit({ fs, gitdir, oid, cache });
        const parent = commit.parent[op === '^' ? count - 1 : 0];
        if (!parent) throw new Error(`no parent`);
        oid = parent;
      }
    }
    return oid;
  } catch (err) {
    throw new McpError('NOT_FOUND', `unknown revision ${ref}`, { ref, repo: repoDir }, { cause: err });
  }
}

/** True when isomorphic-git says the path is absent from the commit's tree. */
const isMissingPath = (err: unknown): boolean => (err as { code?: string }).code === 'NotFoundError';

/**
 * The `*.toml` files directly in `subdir` at `ref`, with the full commit id. A commit without
 * `subdir` has no files and says so in `missing` (git keeps no empty directories, so that is
 * what removing every service file leaves). A symbolic link
 * is followed, as a checkout would, only to a file inside the repository; any other link is a
 * fault of that file rather than its target path parsed as TOML.
 */
export async function readFilesAtRef(
  repoDir: string,
  ref: string,
  subdir: string,
): Promise<{ commit: string; files: FileAtRef[]; faults: FileFault[]; missing?: boolean }> {
  const gitdir = gitdirOf(repoDir);
  const cache = {};
  const commit = await resolveCommit(repoDir, ref, cache);
  const dir = subdir.replace(/^\/+|\/+$/g, '');
  let tree: TreeEntry[];
  try {
    tree = (await git.readTree({ fs, gitdir, oid: commit, filepath: dir, cache })).tree;
  } catch (err) {
    if (isMissingPath(err)) return { commit, files: [], faults: [], missing: true };
    throw new McpError(
      'NOT_FOUND',
      `no ${dir}/ directory at ${ref} (${commit.slice(0, 7)})`,
      { ref, commit, subdir: dir },
      { cause: err },
    );
  }
  const bytes = async (oid: string) => (await git.readBlob({ fs, gitdir, oid, cache })).blob;
  const blob = async (oid: string) => Buffer.from(await bytes(oid)).toString('utf8');
  /** The entry at `path` of the commit, or undefined. */
  const entryAt = async (path: string): Promise<TreeEntry | undefined> => {
    const parent = posix.dirname(path);
    const { tree } = await git
      .readTree({ fs, gitdir, oid: commit, filepath: parent === '.' ? '' : parent, cache })
      .catch(() => ({ tree: [] as TreeEntry[] }));
    return tree.find((e) => e.path === posix.basename(path));
  };
  const read = async (e: TreeEntry, path: string): Promise<FileAtRef | FileFault> => {
    let entry: TreeEntry | undefined = e;
    let at = path;
    for (let hops = 0; entry.mode === SYMLINK; hops++) {
      if (hops === MAX_LINKS) return { path, message: 'too many levels of symbolic links' };
      const link = await blob(entry.oid);
      const target = posix.normalize(posix.join(posix.dirname(at), link));
      if (posix.isAbsolute(link) || target === '..' || target.startsWith('../'))
        return {
          path,
          message: 'symbolic link leaves the repository',
          hint: 'only links to files inside the repository are followed',
        };
      entry = await entryAt(target);
      if (!entry) return { path, message: 'dangling symbolic link' };
      at = target;
    }
    if (entry.type !== 'blob') return { path, message: 'is a directory' };
    return { path, bytes: await bytes(entry.oid) };
  };
  const entries = tree.filter(
    (e) => e.type === 'blob' && e.path.endsWith('.toml') && !e.path.startsWith('.'),
  );
  const results = await Promise.all(entries.map((e) => read(e, dir === '' ? e.path : `${dir}/${e.path}`)));
  return {
    commit,
    files: results.filter((r): r is FileAtRef => 'bytes' in r),
    faults: results.filter((r): r is FileFault => 'message' in r),
  };
}

/**
 * The secrets beside `subdir` at `commit`: `.mcp/recipients.toml` and the regular files
 * `secrets/<service>/<name>.age|.recipients` (links and larger files are left out, so a
 * service that names one finds it missing). Absent directories give an empty set.
 */
export async function readSecretsAtRef(
  repoDir: string,
  commit: string,
  subdir: string,
): Promise<RepoSecrets> {
  const gitdir = gitdirOf(repoDir);
  const cache = {};
  const base = posix.dirname(subdir.replace(/^\/+|\/+$/g, '') || '.');
  const under = (path: string) => (base === '.' ? path : `${base}/${path}`);
  const list = (filepath: string): Promise<TreeEntry[]> =>
    git.readTree({ fs, gitdir, oid: commit, filepath, cache }).then(
      (r) => r.tree,
      () => [],
    );
  const blob = async (e: TreeEntry): Promise<Uint8Array | undefined> => {
    if (e.type !== 'blob' || e.mode === SYMLINK) return undefined;
    const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache });
    return blob.byteLength <= SECRET_LIMIT_BYTES ? blob : undefined;
  };
  const files = new Map<string, Uint8Array>();
  for (const dir of await list(under('secrets'))) {
    if (dir.type !== 'tree') continue;
    for (const e of await list(under(`secrets/${dir.path}`))) {
      if (!/\.(age|recipients)$/.test(e.path)) continue;
      const bytes = await blob(e);
      if (bytes) files.set(`secrets/${dir.path}/${e.path}`, bytes);
    }
  }
  const mcp = (await list(under('.mcp'))).find((e) => e.path === 'recipients.toml');
  const recipients = mcp && (await blob(mcp));
  return recipients ? { recipients: Buffer.from(recipients).toString('utf8'), files } : { files };
}
