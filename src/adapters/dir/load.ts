/** A working directory's service files as one validated revision (`mcp validate`, the dir source). */
import type { LoadResult } from '../../domain/spec-error.js';
import { admitRevision, type LoadOptions, noDirectoryWarning, withWarnings } from '../../validate/load.js';
import { readSecretFiles, readServiceFiles } from './read-dir.js';
import { readNodeFiles } from './read-nodes.js';

/**
 * Loads DIR/services/*.toml, or DIR/*.toml when DIR has no services/ directory, with the
 * variables of DIR/nodes/*.toml, admitted by
 * `opts.admit` when given. NOT_FOUND when DIR is not a directory.
 */
export async function loadRevisionFromDir(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const { files, errors, missing } = await readServiceFiles(dir);
  const nodes = await readNodeFiles(dir);
  const secrets = await readSecretFiles(dir);
  const result = await admitRevision(files, undefined, [...errors, ...nodes.errors], opts, secrets, {
    nodes: nodes.files,
  });
  return withWarnings(result, missing ? [noDirectoryWarning('services', `in ${dir}`)] : []);
}
