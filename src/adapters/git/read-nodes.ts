/**
 * The repository's node files at one commit: `nodes/<node>.toml` beside the services
 * directory, whose `[vars]` the service files of that node are resolved with.
 */
import { posix } from 'node:path';
import { type FileAtRef, type FileFault, readFilesAtRef } from './read-tree.js';

/** The directory of node files for a services directory: its sibling `nodes/` (`nodes` at the root by default). */
export const nodesDirOf = (subdir: string): string => {
  const parent = posix.dirname(subdir.replace(/^\/+|\/+$/g, '') || '.');
  return parent === '.' ? 'nodes' : `${parent}/nodes`;
};

/** `nodes/*.toml` at `commit` (none when the commit has no nodes/ directory), and the faults of those unreadable. */
export async function readNodeFilesAtRef(
  repoDir: string,
  commit: string,
  subdir: string,
): Promise<{ files: FileAtRef[]; faults: FileFault[] }> {
  const { files, faults } = await readFilesAtRef(repoDir, commit, nodesDirOf(subdir));
  return { files, faults };
}
