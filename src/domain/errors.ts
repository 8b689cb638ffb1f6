/**
 * Typed errors with stable codes. What each code means to the CLI (exit code), the API (HTTP
 * status) and the apply engine (retry or not) is one table, error-table.ts.
 */

export type ErrorCode =
  | 'INVALID_SPEC' // a revision failed validation
  | 'POLICY_VIOLATION' // a revision asks for what the node's admission policy does not allow
  | 'UNVERIFIED' // a revision's commit is not signed by a key the node allows
  | 'SECRET_UNAVAILABLE' // a secret this node cannot decrypt: its service keeps what runs
  | 'INVALID_CONFIG' // a config file failed validation
  | 'USAGE' // bad command-line arguments
  | 'NOT_FOUND' // instance, image, commit, file
  | 'CONFLICT' // a name held by something MCP does not own
  | 'IMAGE_UNAVAILABLE' // not local and cannot be pulled
  | 'RUNTIME_UNAVAILABLE' // socket down, timeout: never read as "nothing runs"
  | 'SOURCE_UNAVAILABLE' // git server unreachable
  | 'AGENT_UNAVAILABLE' // the CLI cannot reach a node's agent
  | 'UNAUTHORIZED' // a token (or webhook signature) missing or unknown
  | 'FORBIDDEN' // a known token without the role an endpoint needs
  | 'TOO_LARGE' // a request body over its limit
  | 'METHOD_NOT_ALLOWED' // an endpoint asked with a method it does not serve
  | 'TIMEOUT' // a request body that stalled
  | 'NEEDS_OVERRIDE' // mass removal guard
  | 'SUSPENDED' // a suspension (`mcp suspend`) holds what a pass would do
  | 'RUNTIME' // the runtime refused an operation
  | 'BOOT_TIMEOUT' // a VM's guest showed no sign of life within its boot deadline
  | 'JOB_FAILED' // a deploy job exited non-zero or ran past its timeout
  | 'INTERNAL';

/** The one error class of MCP: a code, a one-line message, and a JSON payload. */
export class McpError extends Error {
  readonly code: ErrorCode;
  readonly data: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    data: Record<string, unknown> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'McpError';
    this.code = code;
    this.data = data;
  }

  toJSON(): { code: ErrorCode; message: string; data: Record<string, unknown> } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

/** Wraps anything thrown into an McpError, keeping McpErrors as they are. */
export const asMcpError = (err: unknown): McpError =>
  err instanceof McpError
    ? err
    : new McpError('INTERNAL', err instanceof Error ? err.message : String(err), {}, { cause: err });
