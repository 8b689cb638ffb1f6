/** One commit's service files as one validated revision, read without a checkout (`mcp plan`, the git source). */
import {
  type LoadResult,
  loadRevisionFromFiles,
  noDirectoryWarning,
  withWarnings,
} from '../../validate/load.js';
import { readFilesAtRef } from './read-tree.js';

/** Loads `subdir` of a git repository at `ref`; the revision's commit is the full id. */
export async function loadRevisionFromGit(
  repoDir: string,
  ref: string,
  subdir = 'services',
): Promise<LoadResult> {
  const { commit, files, faults, missing } = await readFilesAtRef(repoDir, ref, subdir);
  const unreadable = faults.map((f) => ({
    file: f.path,
    path: '',
    message: f.message,
    ...(f.hint !== undefined && { hint: f.hint }),
  }));
  const result = loadRevisionFromFiles(files, commit, unreadable);
  const dir = subdir.replace(/^\/+|\/+$/g, '');
  return withWarnings(result, missing ? [noDirectoryWarning(dir, `at ${ref} (${commit.slice(0, 7)})`)] : []);
}
