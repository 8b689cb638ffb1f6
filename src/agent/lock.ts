/**
 * One agent per state directory: two would each hold the registry in memory and the last
 * to write would silently drop the other's inventory. The lock is a Linux abstract unix
 * socket named after the directory's real path: binding it is atomic, the kernel refuses a
 * second bind while the first process lives and frees the name when it dies (kill -9, power
 * loss), so there is no stale lock to detect or remove, and no pid to misread. A second
 * agent asks the holder for its pid through the socket, to name it in the refusal.
 * Abstract names are per network namespace: agents sharing a state directory must share one.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { McpError } from '../domain/errors.js';

/** The abstract socket name of `dir` (a real path): hashed, as names are limited to 107 bytes. */
export const lockName = (dir: string): string =>
  `\0mcp-agent/${createHash('sha256').update(dir).digest('hex')}`;

const bind = (name: string): Promise<Server | undefined> =>
  new Promise((resolve, reject) => {
    // A connection asks who holds the lock: the answer is the pid, then the socket closes.
    const server = createServer((socket) => socket.end(`${process.pid}\n`));
    server.once('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EADDRINUSE' ? resolve(undefined) : reject(err),
    );
    server.listen(name, () => resolve(server.unref()));
  });

/** The pid the holder of `name` reports, or undefined when it does not answer in time. */
const holder = (name: string): Promise<number | undefined> =>
  new Promise((resolve) => {
    let text = '';
    const socket = connect(name);
    const timer = setTimeout(() => socket.destroy(), 1000);
    socket.on('data', (d) => {
      text += d;
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Number(text.trim()) || undefined);
    });
    socket.on('error', () => {});
  });

/** Takes the lock of `stateDir`; resolves with the function that releases it. */
export const lockStateDir = async (stateDir: string): Promise<() => Promise<void>> => {
  const dir = await realpath(stateDir);
  const name = lockName(dir);
  const server = await bind(name);
  if (!server) {
    const pid = await holder(name);
    throw new McpError(
      'CONFLICT',
      `another mcp-agent${pid ? ` (pid ${pid})` : ''} is using ${dir}: stop it first, or give this agent its own state_dir`,
      {
        stateDir: dir,
        ...(pid && { pid }),
        hint: 'to release a held removal on a running agent: mcp sync --override NODE',
      },
    );
  }
  return () => new Promise<void>((resolve) => server.close(() => resolve()));
};
