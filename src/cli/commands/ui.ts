/**
 * `mcp ui`: the status page for every node of mcp.toml, on 127.0.0.1. The page's API calls go
 * to `/nodes/<node>/v1/...` here, which asks that node's agent with the operator's token: the
 * token stays in this process and never reaches the browser. A node that cannot be reached is
 * answered 502 with why, and the page shows it as down.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { McpError } from '../../domain/errors.js';
import { PAGE_HEADERS, pageAsset } from '../../ui-assets/index.js';
import { agentUrl } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor, type Node, readToken } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';

export const help = `usage: mcp ui [--port N] [--config FILE]

Serves the status page for every node of mcp.toml on http://127.0.0.1:N/ (default 7420):
each node's revision, last pass, services, health and last events, updated live from the
agents' event streams, with drift, crash loops and rollbacks called out. The page asks this
process, which asks the agents with the token of auth.token_path (or $MCP_TOKEN); the token
never reaches the browser. A node that cannot be reached is shown as down. Stop with Ctrl-C.`;

const OPTIONS = {
  port: { type: 'string', default: '7420' },
  config: { type: 'string', short: 'c' },
} as const;

/** The agent endpoints the page reads; nothing else is passed through. */
const ALLOWED = new Set(['/v1/status', '/v1/services', '/v1/events', '/v1/events/stream']);

export interface FleetPage {
  url: string;
  close(): Promise<void>;
}

/** Serves the fleet page for `nodes` on 127.0.0.1:`port` (0: any free port). */
export const serveFleet = async (
  nodes: readonly Node[],
  token: string | undefined,
  port: number,
): Promise<FleetPage> => {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const json = (res: ServerResponse, status: number, body: unknown) => {
    res.writeHead(status, { 'content-type': 'application/json', ...PAGE_HEADERS });
    res.end(JSON.stringify(body));
  };
  const proxy = async (
    req: IncomingMessage,
    res: ServerResponse,
    node: Node,
    path: string,
    query: string,
  ) => {
    const upstream = new AbortController();
    req.on('close', () => upstream.abort());
    let answer: Response;
    try {
      answer = await fetch(`${agentUrl(node.address)}${path}${query}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
        // A stream stays open; a plain request gets 10 s, as the CLI's.
        signal: path.endsWith('/stream')
          ? upstream.signal
          : AbortSignal.any([upstream.signal, AbortSignal.timeout(10_000)]),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
      return json(res, 502, {
        error: { code: 'AGENT_UNAVAILABLE', message: `${node.name} (${agentUrl(node.address)}): ${cause}` },
      });
    }
    res.writeHead(answer.status, {
      'content-type': answer.headers.get('content-type') ?? 'application/json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    });
    if (!answer.body) return void res.end();
    Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream)
      .on('error', () => res.destroy())
      .pipe(res);
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (req.method !== 'GET')
      return json(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: 'GET only' } });
    if (url.pathname === '/ui/config.json')
      return json(res, 200, { mode: 'fleet', nodes: nodes.map((n) => n.name) });
    const m = /^\/nodes\/([^/]+)(\/.*)$/.exec(url.pathname);
    if (m) {
      const node = byName.get(decodeURIComponent(m[1]!));
      if (!node || !ALLOWED.has(m[2]!))
        return json(res, 404, { error: { code: 'NOT_FOUND', message: 'no such node or path' } });
      return proxy(req, res, node, m[2]!, url.search);
    }
    const asset = await pageAsset(url.pathname).catch(() => undefined);
    if (!asset)
      return json(res, 404, { error: { code: 'NOT_FOUND', message: `no such page: ${url.pathname}` } });
    res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, ...PAGE_HEADERS });
    res.end(asset.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new McpError('USAGE', `cannot listen on 127.0.0.1:${port}: ${err.code ?? err.message}`)),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS, help, { max: 0 });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new McpError('USAGE', `--port must be a port number, not ${values.port}`, { usage: help });
  const config = await loadCliConfigFor(ctx, values.config);
  const nodes = config.nodes ?? [];
  if (!nodes.length)
    throw new McpError('INVALID_CONFIG', 'no nodes are configured: mcp node add NAME ADDRESS');
  const page = await serveFleet(nodes, await readToken(config, ctx), port);
  ctx.out(
    `the fleet's status page: ${page.url} (${nodes.length} node${nodes.length === 1 ? '' : 's'}); Ctrl-C stops`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await page.close();
  return EXIT.ok;
}
