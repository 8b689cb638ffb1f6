/**
 * The HTTP(S) server of the agent's API: routing, authentication and authorisation from the
 * headers before any body is read, bodies bounded in size and time, JSON in and out, McpError
 * codes mapped to HTTP statuses by the shared error table, every error sent as `{error: {code,
 * message, data, hint}}`. Handlers live in routes.ts.
 */
import {
  createServer as createHttp,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttps } from 'node:https';
import type { AddressInfo } from 'node:net';
import { httpStatusOf } from '../../domain/error-table.js';
import { asMcpError, McpError } from '../../domain/errors.js';
import type { Logger } from '../../log.js';
import { errorBody } from '../../wire/api.js';
import {
  type ApiToken,
  allows,
  authenticate,
  checkWebhookSecret,
  hasSignature,
  verifySignature,
} from './auth.js';
import { boundedBody, checkLength, readBody } from './body.js';
import { openapiRoutes } from './openapi.js';
import { operatorRoutes } from './operator-routes.js';
import { type ApiContext, apiRoutes, emptyBody, type Route } from './routes.js';
import { serveEvents } from './sse.js';
import { suspendRoutes } from './suspend-routes.js';
import { loadTls } from './tls.js';

export interface ApiOptions {
  /** `host:port` (`[v6]:port`); port 0 picks a free one. */
  listen: string;
  tlsCert?: string;
  tlsKey?: string;
  tokens: readonly ApiToken[];
  /** Hex SHA-256 of the token that may read /metrics only. */
  metricsToken?: string;
  /** Secret for webhook signatures; without one the webhook endpoint is refused. */
  webhookSecret?: string;
  /** Largest request body accepted, in bytes, where a route sets no limit of its own. */
  bodyLimit?: number;
  /** Longest pause in a request body before it is answered 408 and the connection closed (default 10 s). */
  bodyTimeoutMs?: number;
}

export interface ApiServer {
  /** Base URL the server answers on, e.g. http://127.0.0.1:7410. */
  url: string;
  close(): Promise<void>;
}

/** Headers an error answer carries, from its data. */
const errorHeaders = (error: McpError): Record<string, string> => {
  if (error.code === 'UNAUTHORIZED' && error.data.bearer) return { 'www-authenticate': 'Bearer' };
  if (error.code === 'METHOD_NOT_ALLOWED') return { allow: String(error.data.allow) };
  return {};
};

const parseListen = (listen: string): { host: string; port: number } => {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(listen);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new McpError('INVALID_CONFIG', `api.listen must be host:port, not ${listen}`);
  return { host: m[1] ?? m[2], port };
};

/** The request target's path (still percent-encoded) and query; never a host of the client's choosing. */
const target = (raw: string | undefined): { path: string; query: URLSearchParams } => {
  const at = (raw ?? '/').indexOf('?');
  const path = at < 0 ? (raw ?? '/') : (raw ?? '/').slice(0, at);
  if (!path.startsWith('/')) throw new McpError('USAGE', 'the request target must be a path');
  return { path, query: new URLSearchParams(at < 0 ? '' : (raw ?? '').slice(at + 1)) };
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

/** Every route the server answers: the table the OpenAPI document is checked against. */
export const routeTable = (ctx: ApiContext, api = apiRoutes(ctx).routes): Route[] => [
  ...api,
  ...operatorRoutes(ctx),
  ...suspendRoutes(ctx),
  ...openapiRoutes(),
];

/** Serves the API on `opts.listen`; INVALID_CONFIG when it cannot (address, TLS files, secret). */
export const startApi = async (ctx: ApiContext, opts: ApiOptions, log: Logger): Promise<ApiServer> => {
  const api = apiRoutes(ctx);
  const routes = routeTable(ctx, api.routes);
  const limit = opts.bodyLimit ?? 1 << 20;
  const idleMs = opts.bodyTimeoutMs ?? 10_000;
  if (opts.webhookSecret !== undefined) checkWebhookSecret(opts.webhookSecret);
  if (!opts.tlsCert !== !opts.tlsKey)
    throw new McpError('INVALID_CONFIG', 'api.tls_cert and api.tls_key go together: set both, or neither');

  /** Everything that can be decided from the headers, before a byte of the body is read. */
  const admit = (route: Route, req: IncomingMessage): ApiToken | undefined => {
    if (route.auth === 'none') return;
    if (route.auth === 'webhook') {
      if (opts.webhookSecret === undefined)
        throw new McpError('NOT_FOUND', 'no webhook secret is configured');
      if (!hasSignature(req.headers)) throw new McpError('UNAUTHORIZED', 'missing webhook signature');
      return;
    }
    const metrics: ApiToken[] =
      route.auth === 'metrics' && opts.metricsToken
        ? [{ name: 'metrics', sha256: opts.metricsToken, role: 'read' }]
        : [];
    const token = authenticate(req.headers.authorization, [...opts.tokens, ...metrics]);
    if (!token) throw new McpError('UNAUTHORIZED', 'missing or unknown bearer token', { bearer: true });
    const need = route.auth === 'metrics' ? 'read' : route.auth;
    if (!allows(token.role, need))
      throw new McpError('FORBIDDEN', `token ${token.name} has role ${token.role}; this needs ${need}`);
    return token;
  };

  const route = (method: string | undefined, path: string): Route => {
    const onPath = routes.filter((r) => (r.prefix ? path.startsWith(r.path) : r.path === path));
    if (!onPath.length) throw new McpError('NOT_FOUND', `no such endpoint: ${path}`);
    const found = onPath.find((r) => r.method === method);
    if (found) return found;
    throw new McpError('METHOD_NOT_ALLOWED', `${method} not allowed`, {
      allow: onPath.map((r) => r.method).join(', '),
    });
  };

  const respond = async (
    req: IncomingMessage,
    res: ServerResponse,
    { path, query }: ReturnType<typeof target>,
  ): Promise<void> => {
    const r = route(req.method, path);
    const token = admit(r, req);
    const bounds = { limit: r.bodyLimit ?? limit, idleMs };
    checkLength(req, bounds.limit);
    const body = r.body === 'buffer' ? await readBody(req, bounds) : Buffer.alloc(0);
    if (r.auth === 'webhook' && !verifySignature(opts.webhookSecret ?? '', body, req.headers))
      throw new McpError('UNAUTHORIZED', 'invalid webhook signature');
    const answer = await r.handle({
      path,
      query,
      headers: req.headers,
      body,
      stream: r.body === 'stream' ? boundedBody(req, bounds) : emptyBody(),
      ...(token ? { caller: { name: token.name, role: token.role } } : {}),
    });
    if (answer.events) serveEvents(req, res, answer.events);
    else if (answer.raw) {
      res.writeHead(answer.status, {
        'content-type': answer.contentType ?? 'application/octet-stream',
        'content-length': answer.raw.length,
        ...answer.headers,
      });
      res.end(answer.raw);
    } else send(res, answer.status, answer.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    let path = '/';
    try {
      const at = target(req.url);
      path = at.path;
      await respond(req, res, at);
    } catch (err) {
      if (res.destroyed) return void log.debug('api client went away', { path });
      const error = asMcpError(err);
      const status = httpStatusOf(error.code);
      if (status === 500) log.error('api request failed', { path, error: error.toJSON() });
      // A body cut short (too large, stalled) ends its connection once the answer is out. One
      // never read (refused from its headers) is discarded for one idle timeout at most, so
      // the client reads the answer before the connection is closed under it.
      const unread = !req.complete;
      const cut = error.code === 'TOO_LARGE' || error.code === 'TIMEOUT';
      send(res, status, errorBody(error), {
        ...errorHeaders(error),
        ...(unread && cut && { connection: 'close' }),
      });
      if (!unread) return;
      if (cut) return void res.once('finish', () => req.destroy());
      const linger = setTimeout(() => req.socket.destroy(), idleMs);
      req.once('end', () => clearTimeout(linger));
      req.socket.once('close', () => clearTimeout(linger));
    }
  };

  const listener = (req: IncomingMessage, res: ServerResponse) => void handle(req, res);
  const server: Server =
    opts.tlsCert && opts.tlsKey
      ? createHttps(await loadTls(opts.tlsCert, opts.tlsKey), listener)
      : createHttp(listener);
  // A body is bounded by its idle timeout and its size, a whole request by 10 minutes (a
  // 64 MiB push at 110 KB/s).
  server.headersTimeout = 10_000;
  server.requestTimeout = 600_000;
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
        api.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
