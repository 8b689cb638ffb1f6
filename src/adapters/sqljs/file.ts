/** Crash-safe replacement of a file: write a temporary sibling, fsync it, rename over, fsync the directory. */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

export const writeFileAtomic = async (path: string, data: Uint8Array): Promise<void> => {
  const tmp = `${path}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o600);
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
