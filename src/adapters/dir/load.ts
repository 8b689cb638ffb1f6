/** A working directory's service files as one validated revision (`mcp validate`, the dir source). */
import { type LoadResult, loadRevisionFromFiles } from '../../validate/load.js';
import { readServiceFiles } from './read-dir.js';

/** Loads DIR/services/*.toml, or DIR/*.toml when DIR has no services/ directory. NOT_FOUND without DIR. */
export async function loadRevisionFromDir(dir: string): Promise<LoadResult> {
  const { files, errors } = await readServiceFiles(dir);
  return loadRevisionFromFiles(files, undefined, errors);
}
