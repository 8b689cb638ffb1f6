/**
 * A unix-socket proxy in front of the podman socket, so a test can cut the agent's connection
 * (socket gone, streams dropped) and restore it without touching the shared podman service.
 */
import { rm } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface SocketProxy {
  path: string;
  /** Closes the listening socket and drops every open connection. */
  cut(): Promise<void>;
  /** Listens again. */
  restore(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `cutAt`: the proxy cuts itself when a request whose first line matches arrives, before it
 * reaches podman; `holdAt`: a request whose first line it answers with a promise waits for
 * that promise before it reaches podman. Either way the moment is the test's, not the
 * scheduler's.
 */
export const socketProxy = async (
  target: string,
  path: string,
  at: {
    cutAt?: (requestLine: string) => boolean;
    holdAt?: (requestLine: string) => Promise<void> | undefined;
  } = {},
): Promise<SocketProxy> => {
  let { cutAt } = at;
  const open = new Set<Socket>();
  let server: Server | undefined;
  const listen = async (): Promise<void> => {
    await rm(path, { force: true });
    server = createServer((client) => {
      const upstream = connect(target);
      open.add(client).add(upstream);
      const drop = () => {
        client.destroy();
        upstream.destroy();
        open.delete(client);
        open.delete(upstream);
      };
      client.on('error', drop).on('close', drop);
      upstream.on('error', drop).on('close', drop);
      upstream.pipe(client);
      client.on('data', (chunk: Buffer) => {
        const line = chunk.toString('latin1').split('\r\n', 1)[0] ?? '';
        if (cutAt?.(line)) {
          cutAt = undefined;
          void cut();
          return;
        }
        const held = at.holdAt?.(line);
        if (!held) return void upstream.write(chunk);
        client.pause();
        void held.then(() => {
          upstream.write(chunk);
          client.resume();
        });
      });
      client.on('end', () => upstream.end());
    });
    await new Promise<void>((resolve) => server!.listen(path, resolve));
  };
  const cut = async (): Promise<void> => {
    const s = server;
    server = undefined;
    for (const sock of open) sock.destroy();
    open.clear();
    if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
    await rm(path, { force: true });
  };
  await listen();
  return { path, cut, restore: listen, close: cut };
};
