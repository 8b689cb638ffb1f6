/**
 * The HTTP(S) server of the agent's API: routing, authentication, a size limit on bodies,
 * JSON in and out, McpError codes mapped to HTTP statuses. Handlers live in routes.ts.
 */
import { readFile } from 'node:fs/promises';
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { asMcpError, type ErrorCode, McpError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import { type ApiToken, allows, authenticate, verifySignature } from './auth.js';
import { type ApiContext, apiRoutes, type Route } from './routes.js';

export interface ApiOptions {
  /** `host:port` (`[v6]:port`); port 0 picks a free one. */
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  tokens: readonly ApiToken[];
  /** Secret for webhook signatures; without one the webhook endpoint is refused. */
  webhookSecret?: string;
  /** Largest request body accepted, in bytes. */
  bodyLimit?: number;
}

export interface ApiServer {
  /** Base URL the server answers on, e.g. http://127.0.0.1:7410. */
  url: string;
  close(): Promise<void>;
}

const STATUS: Partial<Record<ErrorCode, number>> = {
  USAGE: 400,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RUNTIME_UNAVAILABLE: 503,
  SOURCE_UNAVAILABLE: 503,
};

/** An answer with a status of its own (auth, routing, size), as opposed to an McpError. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

const parseListen = (listen: string): { host: string; port: number } => {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new McpError('INVALID_CONFIG', `api.listen must be host:port, not ${listen}`);
  return { host: m[1] ?? m[2], port };
};

const readBody = async (req: IncomingMessage, limit: number): Promise<Buffer> => {
  if (Number(req.headers['content-length'] ?? 0) > limit)
    throw new HttpError(413, `body over ${limit} bytes`);
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > limit) throw new HttpError(413, `body over ${limit} bytes`);
    parts.push(part);
  }
  return Buffer.concat(parts);
};

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
};

export const startApi = async (ctx: ApiContext, opts: ApiOptions, log: Logger): Promise<ApiServer> => {
  const routes = apiRoutes(ctx);
  const limit = opts.bodyLimit ?? 1 << 20;

  const authorise = (route: Route, req: IncomingMessage, body: Buffer): ApiToken | undefined => {
    if (route.auth === 'none') return;
    if (route.auth === 'webhook') {
      if (opts.webhookSecret === undefined) throw new HttpError(404, 'no webhook secret is configured');
      if (!verifySignature(opts.webhookSecret, body, req.headers))
        throw new HttpError(401, 'missing or invalid webhook signature');
      return;
    }
    const token = authenticate(req.headers.authorization, opts.tokens);
    if (!token) throw new HttpError(401, 'missing or unknown bearer token', { 'www-authenticate': 'Bearer' });
    if (!allows(token.role, route.auth))
      throw new HttpError(403, `token ${token.name} has role ${token.role}; this needs ${route.auth}`);
    return token;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://agent');
    try {
      const onPath = routes.filter((r) =>
        r.prefix ? url.pathname.startsWith(r.path) : r.path === url.pathname,
      );
      const route = onPath.find((r) => r.method === req.method);
      if (!onPath.length) throw new HttpError(404, `no such endpoint: ${url.pathname}`);
      if (!route)
        throw new HttpError(405, `${req.method} not allowed`, {
          allow: onPath.map((r) => r.method).join(', '),
        });
      const body = await readBody(req, route.bodyLimit ?? limit);
      const token = authorise(route, req, body);
      const answer = await route.handle({
        path: url.pathname,
        query: url.searchParams,
        headers: req.headers,
        body,
        ...(token ? { caller: { name: token.name, role: token.role } } : {}),
      });
      if (answer.raw) {
        res.writeHead(answer.status, {
          'content-type': 'application/octet-stream',
          'content-length': answer.raw.length,
        });
        res.end(answer.raw);
      } else send(res, answer.status, answer.body);
    } catch (err) {
      if (err instanceof HttpError) {
        send(res, err.status, { error: { code: 'HTTP', message: err.message } }, err.headers);
        if (err.status === 413) req.destroy();
        return;
      }
      const error = asMcpError(err);
      const status = STATUS[error.code] ?? 500;
      if (status === 500) log.error('api request failed', { path: url.pathname, error: error.toJSON() });
      send(res, status, { error: { code: error.code, message: error.message } });
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server: Server =
    opts.tlsCert && opts.tlsKey
      ? createHttps({ cert: await readFile(opts.tlsCert), key: await readFile(opts.tlsKey) }, listener)
      : createHttp(listener);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const { host, port } = parseListen(opts.listen);
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new McpError('INVALID_CONFIG', `api cannot listen on ${opts.listen}: ${err.code ?? err.message}`),
      ),
    );
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  const scheme = opts.tlsCert && opts.tlsKey ? 'https' : 'http';
  return {
    url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${bound}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
