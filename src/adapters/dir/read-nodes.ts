/**
 * A working directory's node files: DIR/nodes/*.toml, whose `[vars]` the service files of
 * that node are resolved with. Named as a git revision would name them (`nodes/rift.toml`).
 */
import type { Dirent } from 'node:fs';
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { byName } from '../../domain/order.js';
import type { SourceFile, SpecError } from '../../domain/spec-error.js';
import { readEntry } from './read-dir.js';

/** The node files of DIR (none without a nodes/ directory), and an error for each that cannot be read. */
export async function readNodeFiles(dir: string): Promise<{ files: SourceFile[]; errors: SpecError[] }> {
  const isDir = await stat(join(dir, 'nodes')).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return { files: [], errors: [] };
  let entries: Dirent[];
  try {
    entries = await readdir(join(dir, 'nodes'), { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? String(err);
    return { files: [], errors: [{ file: 'nodes', path: '', message: `cannot read: ${code}` }] };
  }
  const root = await realpath(dir);
  const names = entries
    .filter((e) => !e.isDirectory() && e.name.endsWith('.toml') && !e.name.startsWith('.'))
    .sort(byName);
  const read = await Promise.all(
    names.map((e) => readEntry(root, join(dir, 'nodes', e.name), `nodes/${e.name}`, e)),
  );
  return {
    files: read.filter((r): r is SourceFile => 'text' in r),
    errors: read.filter((r): r is SpecError => 'message' in r),
  };
}
