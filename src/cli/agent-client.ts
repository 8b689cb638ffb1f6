/**
 * Asks the agents of several nodes the same question at once. One node that cannot be
 * reached or refuses the token is an answer of its own, not a failure of the others.
 */
import { asMcpError, type ErrorCode, McpError } from '../domain/errors.js';
import type { Node } from './config.js';
import { type Answer, httpRequest } from './http-request.js';

export type NodeAnswer<T> = { node: Node; ok: true; body: T } | { node: Node; ok: false; error: McpError };

export interface AskOptions {
  method?: 'GET' | 'POST' | 'PUT';
  token?: string;
  timeoutMs?: number;
  /** A request body (POST / PUT), sent as it is. */
  body?: Uint8Array<ArrayBuffer>;
}

/** `host:port` means http://host:port; a full URL (https://...) is taken as it is. */
export const agentUrl = (address: string): string =>
  (address.includes('://') ? address : `http://${address}`).replace(/\/+$/, '');

const KNOWN: ReadonlySet<string> = new Set<ErrorCode>([
  'USAGE',
  'INVALID_SPEC',
  'NOT_FOUND',
  'CONFLICT',
  'RUNTIME_UNAVAILABLE',
  'SOURCE_UNAVAILABLE',
]);

/** One request to a node's agent; a refusal or an unreachable agent is an McpError in our words. */
const send = async (
  node: Node,
  path: string,
  opts: AskOptions & { body?: Uint8Array<ArrayBuffer> },
): Promise<Answer> => {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const where = `${node.name} (${agentUrl(node.address)})`;
  let res: Answer;
  try {
    res = await httpRequest(`${agentUrl(node.address)}${path}`, {
      method: opts.method ?? 'GET',
      headers: opts.token ? { authorization: `Bearer ${opts.token}` } : {},
      body: opts.body,
      timeoutMs,
    });
  } catch (err) {
    const e = err as { name?: string; cause?: { code?: string; message?: string }; message?: string };
    const why =
      e.name === 'TimeoutError'
        ? `no answer within ${timeoutMs / 1000} s`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new McpError('AGENT_UNAVAILABLE', `${where} is unreachable: ${why}`, { node: node.name });
  }
  if (res.ok) return res;
  const body = (await res.json().catch(() => undefined)) as
    | { error?: { code?: string; message?: string } }
    | undefined;
  const message = body?.error?.message ?? `HTTP ${res.status}`;
  if (res.status === 401 || res.status === 403)
    throw new McpError('UNAUTHORIZED', `${where}: ${message}`, {
      node: node.name,
      hint: opts.token ? 'check the token and its role' : 'set auth.token_path in mcp.toml or MCP_TOKEN',
    });
  const code =
    body?.error?.code && KNOWN.has(body.error.code) ? (body.error.code as ErrorCode) : 'AGENT_UNAVAILABLE';
  throw new McpError(code, `${where}: ${message}`, { node: node.name });
};

const ask = async <T>(node: Node, path: string, opts: AskOptions): Promise<T> => {
  const res = await send(node, path, opts);
  return (await res.json().catch(() => {
    throw new McpError('AGENT_UNAVAILABLE', `${node.name}: the answer to ${path} is not JSON`, {
      node: node.name,
    });
  })) as T;
};

/** Sends or fetches bytes (file push / pull); resolves with the answer's bytes. */
export const transfer = async (
  node: Node,
  path: string,
  opts: AskOptions & { body?: Uint8Array<ArrayBuffer> },
): Promise<Buffer> => Buffer.from(await (await send(node, path, opts)).arrayBuffer());

/** Asks every node in parallel; answers come back in the order of `nodes`. */
export const askNodes = <T>(
  nodes: readonly Node[],
  path: string,
  opts: AskOptions = {},
): Promise<NodeAnswer<T>[]> =>
  Promise.all(
    nodes.map(async (node): Promise<NodeAnswer<T>> => {
      try {
        return { node, ok: true, body: await ask<T>(node, path, opts) };
      } catch (err) {
        return { node, ok: false, error: asMcpError(err) };
      }
    }),
  );

/** The exit code of a fan-out: the worst error's, or 0 when every node answered. */
export const worstError = <T>(answers: readonly NodeAnswer<T>[]): McpError | undefined => {
  const failed = answers.filter((a): a is Extract<NodeAnswer<T>, { ok: false }> => !a.ok);
  return failed.find((a) => a.error.code === 'UNAUTHORIZED')?.error ?? failed[0]?.error;
};
