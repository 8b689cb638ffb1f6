/**
 * Reads the files of one directory at one commit straight from the object database, without
 * a checkout, so two revisions can be compared side by side. isomorphic-git stays in here.
 */
import fs from 'node:fs';
import { join } from 'node:path';
import git from 'isomorphic-git';
import { McpError } from '../../domain/errors.js';

/** A file at a commit; path relative to the repository root. */
export interface FileAtRef {
  path: string;
  text: string;
}

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

/** The `*.toml` files directly in `subdir` at `ref`, with the full commit id. */
export async function readFilesAtRef(
  repoDir: string,
  ref: string,
  subdir: string,
): Promise<{ commit: string; files: FileAtRef[] }> {
  const gitdir = gitdirOf(repoDir);
  const cache = {};
  const commit = await resolveCommit(repoDir, ref, cache);
  const dir = subdir.replace(/^\/+|\/+$/g, '');
  let tree: { path: string; oid: string; type: string; mode: string }[];
  try {
    tree = (await git.readTree({ fs, gitdir, oid: commit, filepath: dir, cache })).tree;
  } catch (err) {
    throw new McpError(
      'NOT_FOUND',
      `no ${dir}/ directory at ${ref} (${commit.slice(0, 7)})`,
      { ref, commit, subdir: dir },
      { cause: err },
    );
  }
  const entries = tree.filter(
    (e) => e.type === 'blob' && e.path.endsWith('.toml') && !e.path.startsWith('.'),
  );
  const files = await Promise.all(
    entries.map(async (e) => {
      const { blob } = await git.readBlob({ fs, gitdir, oid: e.oid, cache });
      return { path: dir === '' ? e.path : `${dir}/${e.path}`, text: Buffer.from(blob).toString('utf8') };
    }),
  );
  return { commit, files };
}
