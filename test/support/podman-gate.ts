/**
 * An HTTP proxy in front of the podman socket that can stop an agent at a chosen step of a
 * pass: the k-th request that changes something (create, start, stop, kill, remove) is held
 * either before podman sees it or after podman has done it but before the agent hears back.
 * The test then kills the agent exactly there: crash points chosen, not left to timing luck.
 */
import { rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';

/** Where to hold the k-th change: before podman does it, or after (its answer never arrives). */
export type GatePoint = 'before' | 'after';

export interface PodmanGate {
  path: string;
  /**
   * Holds the `k`-th change request from now (1-based) at `point`; resolves with that request
   * (method and path) once it is held. Later requests pass until the gate is armed again.
   */
  arm(k: number, point: GatePoint): Promise<string>;
  /** Forgets an arming that was not reached (the pass made fewer changes). */
  disarm(): void;
  close(): Promise<void>;
}

const isChange = (req: IncomingMessage): boolean =>
  (req.method === 'POST' &&
    /\/containers\/(create|[^/]+\/(start|stop|kill|restart|pause|unpause))(\?|$)/.test(req.url ?? '')) ||
  (req.method === 'DELETE' && /\/containers\/[^/?]+(\?|$)/.test(req.url ?? ''));

export const podmanGate = async (target: string, path: string): Promise<PodmanGate> => {
  let armed: { left: number; point: GatePoint; held: (what: string) => void } | undefined;
  /** Requests held so far: never answered; destroyed on close. */
  const held: ServerResponse[] = [];

  /** Forwards to podman; with `onDone`, podman's answer is swallowed and `onDone` called instead. */
  const forward = (req: IncomingMessage, res: ServerResponse, onDone?: () => void) => {
    const hold = onDone !== undefined;
    const upstream = request(
      { socketPath: target, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (onDone) {
          answer.resume();
          answer.on('end', onDone);
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        // At once, as podman does: an event stream's headers must not wait for its first event.
        res.flushHeaders();
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => {
      if (!res.writableFinished && !hold) upstream.destroy();
    });
    req.pipe(upstream);
  };

  const server: Server = createServer((req, res) => {
    if (armed && isChange(req) && --armed.left === 0) {
      const { point, held: notify } = armed;
      armed = undefined;
      held.push(res);
      const url = new URL(req.url ?? '/', 'http://podman');
      const name = url.searchParams.get('name');
      const what = `${req.method} ${url.pathname}${name ? `?name=${name}` : ''} (${point})`;
      if (point === 'after') forward(req, res, () => notify(what));
      else {
        req.resume();
        notify(what);
      }
      return;
    }
    forward(req, res);
  });
  await rm(path, { force: true });
  await new Promise<void>((resolve) => server.listen(path, resolve));

  return {
    path,
    arm(k, point) {
      return new Promise((resolve) => {
        armed = { left: k, point, held: resolve };
      });
    },
    disarm() {
      armed = undefined;
    },
    async close() {
      for (const res of held) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(path, { force: true });
    },
  };
};
