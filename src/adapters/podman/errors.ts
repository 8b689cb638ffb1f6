/**
 * Translation of dockerode / podman failures into MCP's error codes, at the edge, so nothing
 * above the adapter ever looks at an HTTP status or an errno.
 */
import { McpError } from '../../domain/errors.js';

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOENT',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EACCES',
  'ABORT_ERR',
]);

interface DockerodeError {
  statusCode?: number;
  code?: string;
  name?: string;
  json?: unknown;
  message?: string;
}

/** The HTTP status of a podman API failure, if it got that far. */
export const statusOf = (err: unknown): number | undefined => (err as DockerodeError | undefined)?.statusCode;

/** Podman's own message: the `message` field of its JSON body, else the error text. */
export const podmanMessage = (err: unknown): string => {
  const e = err as DockerodeError;
  const body = Buffer.isBuffer(e?.json) ? e.json.toString() : e?.json;
  if (body && typeof body === 'object' && 'message' in body) return String(body.message).trim();
  if (typeof body === 'string' && body.trim()) return body.trim();
  return String(e?.message ?? err).trim();
};

/** True when podman could not be reached at all (socket missing, refused, reset, timed out). */
export const isUnreachable = (err: unknown): boolean => {
  const e = err as DockerodeError;
  if (e?.statusCode !== undefined) return false;
  return UNREACHABLE.has(e?.code ?? '') || e?.name === 'AbortError' || e?.name === 'TimeoutError';
};

/** Podman's words for a published port another process holds: `listen tcp4 127.0.0.1:10000: bind: address already in use`. */
const BIND_IN_USE = /listen (?:tcp|udp)[46]? \[?([0-9a-fA-F.:]*?)\]?:(\d+): bind: address already in use/;

/** Maps any failure of a podman call to an McpError; `what` names the operation for the message. */
export const toMcpError = (err: unknown, what: string, data: Record<string, unknown> = {}): McpError => {
  if (err instanceof McpError) return err;
  const message = podmanMessage(err);
  const cause = { cause: err };
  if (isUnreachable(err)) {
    return new McpError('RUNTIME_UNAVAILABLE', `podman is unreachable (${what}): ${message}`, data, cause);
  }
  const status = statusOf(err);
  const bind = BIND_IN_USE.exec(message);
  if (bind) {
    const [, hostIp, port] = bind;
    return new McpError(
      'CONFLICT',
      `${what}: host port ${hostIp}:${port} is already in use by another process`,
      { ...data, hostIp, hostPort: Number(port) },
      cause,
    );
  }
  if (status === 404) return new McpError('NOT_FOUND', `${what}: ${message}`, data, cause);
  if (status === 409 || /already in use|already exists/.test(message)) {
    return new McpError('CONFLICT', `${what}: ${message}`, data, cause);
  }
  return new McpError('RUNTIME', `${what}: ${message}`, { ...data, status }, cause);
};
