/** The service files of a working directory, named the way a git revision would name them. */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '../domain/errors.js';
import type { SourceFile } from './types.js';

const isDirectory = (path: string): Promise<boolean> =>
  stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );

/**
 * DIR/services/*.toml (paths 'services/x.toml'), or DIR/*.toml when there is no services/
 * directory; hidden files are skipped. NOT_FOUND when DIR is not a directory.
 */
export async function readServiceFiles(dir: string): Promise<SourceFile[]> {
  if (!(await isDirectory(dir))) throw new McpError('NOT_FOUND', `no such directory: ${dir}`, { dir });
  const prefix = (await isDirectory(join(dir, 'services'))) ? 'services/' : '';
  const entries = await readdir(join(dir, prefix), { withFileTypes: true });
  const names = entries.filter(
    (e) => !e.isDirectory() && e.name.endsWith('.toml') && !e.name.startsWith('.'),
  );
  return Promise.all(
    names.map(async (e) => ({
      path: prefix + e.name,
      text: await readFile(join(dir, prefix, e.name), 'utf8'),
    })),
  );
}
