/** A working directory's service files as one validated revision (`mcp validate`, the dir source). */
import {
  type LoadResult,
  loadRevisionFromFiles,
  noDirectoryWarning,
  withWarnings,
} from '../../validate/load.js';
import { readServiceFiles } from './read-dir.js';

/** Loads DIR/services/*.toml, or DIR/*.toml when DIR has no services/ directory. NOT_FOUND without DIR. */
export async function loadRevisionFromDir(dir: string): Promise<LoadResult> {
  const { files, errors, missing } = await readServiceFiles(dir);
  const result = loadRevisionFromFiles(files, undefined, errors);
  return withWarnings(result, missing ? [noDirectoryWarning('services', `in ${dir}`)] : []);
}
