/** Builds located SpecErrors for semantic checks. */
import { formatPath } from './paths.js';
import type { KeyPath, LoadedFile, SpecError } from './types.js';

/** An error at `path` of a loaded file, with the line and column of that key. */
export const problem = (
  f: Pick<LoadedFile, 'file' | 'at'>,
  path: KeyPath,
  message: string,
  hint?: string,
): SpecError => ({
  file: f.file,
  ...f.at(path),
  path: formatPath(path),
  message,
  ...(hint !== undefined && { hint }),
});
