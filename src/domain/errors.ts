/**
 * Typed errors with stable codes. The CLI maps codes to exit codes, the API to HTTP statuses,
 * the apply engine uses `retry` to decide between retrying, waiting and giving up.
 */

export type ErrorCode =
  | 'INVALID_SPEC' // a revision failed validation
  | 'POLICY_VIOLATION' // a revision asks for what the node's admission policy does not allow
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
  | 'RUNTIME' // the runtime refused an operation
  | 'BOOT_TIMEOUT' // a VM's guest showed no sign of life within its boot deadline
  | 'INTERNAL';

/** transient: retry soon; requeue: wait for the next pass; stalled: nothing helps until the input changes. */
export type Retry = 'transient' | 'requeue' | 'stalled';

const retryOf: Record<ErrorCode, Retry> = {
  INVALID_SPEC: 'stalled',
  POLICY_VIOLATION: 'stalled',
  INVALID_CONFIG: 'stalled',
  USAGE: 'stalled',
  NOT_FOUND: 'requeue',
  CONFLICT: 'stalled',
  IMAGE_UNAVAILABLE: 'requeue',
  RUNTIME_UNAVAILABLE: 'transient',
  SOURCE_UNAVAILABLE: 'transient',
  AGENT_UNAVAILABLE: 'transient',
  UNAUTHORIZED: 'stalled',
  FORBIDDEN: 'stalled',
  TOO_LARGE: 'stalled',
  METHOD_NOT_ALLOWED: 'stalled',
  TIMEOUT: 'transient',
  NEEDS_OVERRIDE: 'stalled',
  RUNTIME: 'transient',
  BOOT_TIMEOUT: 'requeue',
  INTERNAL: 'stalled',
};

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

  get retry(): Retry {
    return retryOf[this.code];
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
