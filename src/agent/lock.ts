/**
 * One agent per state directory: two would each hold the registry in memory and the last
 * to write would silently drop the other's inventory. The lock file holds the owner's pid;
 * a lock left by a dead process (kill -9, power loss) is taken over.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { McpError } from '../domain/errors.js';

/** Takes the lock of `stateDir`; resolves with the function that releases it. */
export const lockStateDir = async (stateDir: string): Promise<() => Promise<void>> => {
  const path = join(stateDir, 'agent.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(path, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return () => rm(path, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (owner && owner !== process.pid && alive(owner)) {
        throw new McpError('CONFLICT', `another mcp-agent (pid ${owner}) is using ${stateDir}`, {
          hint: 'stop it first, or give this agent its own state_dir; to release a held removal on a running agent: mcp sync --override NODE',
        });
      }
      await rm(path, { force: true });
    }
  }
  throw new McpError('CONFLICT', `cannot take the lock ${path}`);
};

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};
