/**
 * Crash-safe replacement of a file: a temporary sibling written and fsynced, renamed over the
 * file, then the directory fsynced. A crash leaves the old file or the new one, never a torn one.
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** `mode`: of a file made new (the registry's 0600 by default). */
export const writeFileAtomic = async (
  path: string,
  data: Uint8Array | string,
  mode = 0o600,
): Promise<void> => {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  const dir = await open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
};
