/**
 * A real git server for tests: `git http-backend` (git's own smart-HTTP CGI program; fetch and
 * push) behind a small Node HTTP server on 127.0.0.1, serving the bare repositories under
 * `root`. The test can make it answer 503, never answer at all, or demand a token, to play an
 * unreachable or misconfigured remote.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Behaviour = 'serve' | 'unavailable' | 'hang';

export interface GitServer {
  /** http://127.0.0.1:PORT/NAME for the bare repository `root/NAME`. */
  url(name: string): string;
  behaviour: Behaviour;
  /** When set, requests must carry HTTP basic credentials with this password. */
  token?: string;
  /** Requests answered so far (any status). */
  requests: number;
  close(): Promise<void>;
}

/** Runs one request through `git http-backend` and copies its CGI answer onto `res`. */
const cgi = (root: string, req: IncomingMessage, res: ServerResponse): void => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const child = spawn('git', ['http-backend'], {
    env: {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: req.method ?? 'GET',
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] && { CONTENT_LENGTH: req.headers['content-length'] }),
      // The git client gzips its requests and speaks protocol v2 when the server lets it.
      ...(req.headers['content-encoding'] && { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] }),
      ...(typeof req.headers['git-protocol'] === 'string' && { GIT_PROTOCOL: req.headers['git-protocol'] }),
      REMOTE_ADDR: '127.0.0.1',
      // http-backend accepts pushes from an authenticated user only.
      REMOTE_USER: 'mcp-test',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  req.pipe(child.stdin);
  let head = Buffer.alloc(0);
  let headerDone = false;
  child.stdout.on('data', (data: Buffer) => {
    if (headerDone) {
      res.write(data);
      return;
    }
    head = Buffer.concat([head, data]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    headerDone = true;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else res.setHeader(name, value);
    }
    res.writeHead(status);
    res.write(head.subarray(end + 4));
  });
  child.on('close', () => {
    if (!headerDone) res.writeHead(502);
    res.end();
  });
};

export const startGitServer = async (root: string): Promise<GitServer> => {
  const server = createServer((req, res) => {
    state.requests++;
    if (state.behaviour === 'hang') return;
    if (state.behaviour === 'unavailable') {
      res.writeHead(503).end('down for maintenance');
      return;
    }
    if (state.token !== undefined) {
      const [user, password] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
        .toString()
        .split(':');
      if (!user || password !== state.token) {
        res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' }).end();
        return;
      }
    }
    cgi(root, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: GitServer = {
    url: (name) => `http://127.0.0.1:${port}/${name}`,
    behaviour: 'serve',
    requests: 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return state;
};
