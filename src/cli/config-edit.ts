/**
 * Changes to the operator's mcp.toml made by commands (`mcp node add|remove`): edited through
 * the comment-preserving patcher, then read back as the CLI reads it; a result that does not
 * validate is put back byte for byte (or removed, when the command created the file).
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { loadCliConfig } from './config.js';
import { editFilesChecked } from './toml-edit.js';

/** Applies `edit` to the config at `path` (a missing file counts as empty) and validates it. */
export const editCliConfig = async (path: string, edit: (text: string) => string): Promise<void> => {
  const created = await writeFile(path, '', { flag: 'wx', mode: 0o600 }).then(
    () => true,
    async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') return false;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(path, '', { flag: 'wx', mode: 0o600 });
      return true;
    },
  );
  try {
    await editFilesChecked(new Map([[path, edit]]), () => loadCliConfig(path));
  } catch (err) {
    if (created) await rm(path, { force: true });
    throw err;
  }
};
