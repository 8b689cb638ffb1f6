/**
 * The probes the agent runs from the host: an HTTP GET that must answer 2xx or 3xx, and a TCP
 * connect that must be accepted, each within its timeout. Resolve to undefined on success,
 * else to why it failed; they never throw.
 */
import { request } from 'node:http';
import { connect } from 'node:net';

/** GET http://host:port/path; healthy on 2xx or 3xx. */
export const probeHttp = (
  host: string,
  port: number,
  path: string,
  timeoutMs: number,
): Promise<string | undefined> =>
  new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      resolve(status >= 200 && status < 400 ? undefined : `GET ${path} answered ${status}`);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve(`GET ${host}:${port}${path}: ${err.code ?? err.message}`),
    );
    req.end();
  });

/** A TCP connection to host:port is accepted within the timeout. */
export const probeTcp = (host: string, port: number, timeoutMs: number): Promise<string | undefined> =>
  new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (error: string | undefined) => {
      socket.destroy();
      resolve(error);
    };
    socket.setTimeout(timeoutMs, () => done(`connect ${host}:${port}: no answer within ${timeoutMs} ms`));
    socket.once('connect', () => done(undefined));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done(`connect ${host}:${port}: ${err.code ?? err.message}`),
    );
  });
