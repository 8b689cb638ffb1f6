/**
 * A local directory of service files as the desired state (development, or a checkout kept
 * current by other means). The parsed revision is reused while no file's size or mtime
 * changed, so a steady-state pass does not re-parse hundreds of files.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '../../domain/errors.js';
import type { FetchResult, RevisionSource } from '../../ports/revision-source.js';
import { loadRevisionFromDir } from '../../spec/load.js';

export const dirSource = (dir: string): RevisionSource => {
  let cached: { signature: string; result: FetchResult } | undefined;
  return {
    description: dir,
    async fetch() {
      const signature = await signatureOf(dir);
      if (cached?.signature === signature) return cached.result;
      const result = await loadRevisionFromDir(dir);
      cached = { signature, result };
      return result;
    },
  };
};

/** Names, sizes and mtimes of the TOML files: changes whenever an edit could change the revision. */
const signatureOf = async (dir: string): Promise<string> => {
  const services = join(dir, 'services');
  const base = await stat(services).then(
    (s) => (s.isDirectory() ? services : dir),
    () => dir,
  );
  const names = await readdir(base).catch((err: NodeJS.ErrnoException) => {
    throw new McpError('SOURCE_UNAVAILABLE', `cannot read ${base}: ${err.code ?? err.message}`, {
      dir: base,
    });
  });
  const tomls = names.filter((n) => n.endsWith('.toml')).sort();
  const stats = await Promise.all(tomls.map((n) => stat(join(base, n))));
  return tomls.map((n, i) => `${n}:${stats[i].size}:${stats[i].mtimeMs}`).join('\n');
};
