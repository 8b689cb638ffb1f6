/**
 * What every error code means to each part that reacts to it: the exit code of `mcp` and
 * `mcp-agent`, the HTTP status of the agent's API (which the CLI reads back as the same code),
 * and whether the apply engine retries it. One complete table, so a new code cannot be
 * forgotten by one of them.
 */
import type { ErrorCode } from './errors.js';

/**
 * Exit codes by name; commands return these, never bare numbers. Small numbers carry a result
 * a script branches on (invalid, changes); the sysexits(3) range carries failures.
 */
export const EXIT = {
  ok: 0,
  invalid: 1,
  changes: 2,
  refused: 3,
  notConverged: 4,
  progressing: 5,
  suspended: 6,
  usage: 64,
  notFound: 66,
  unavailable: 69,
  internal: 70,
  tempFail: 75,
  noPermission: 77,
  config: 78,
} as const;

export type ExitName = keyof typeof EXIT;

/** How one error code is answered. */
export interface ErrorTraits {
  exit: ExitName;
  http: number;
  /** A transient error is retried with backoff within the pass; every other one fails the action. */
  transient: boolean;
}

/** Every error code's exit code, HTTP status and retry class. */
export const ERROR_TABLE: Readonly<Record<ErrorCode, ErrorTraits>> = {
  INVALID_SPEC: { exit: 'invalid', http: 422, transient: false },
  POLICY_VIOLATION: { exit: 'invalid', http: 422, transient: false },
  UNVERIFIED: { exit: 'invalid', http: 422, transient: false },
  SECRET_UNAVAILABLE: { exit: 'invalid', http: 422, transient: false },
  INVALID_CONFIG: { exit: 'config', http: 500, transient: false },
  USAGE: { exit: 'usage', http: 400, transient: false },
  NOT_FOUND: { exit: 'notFound', http: 404, transient: false },
  CONFLICT: { exit: 'refused', http: 409, transient: false },
  NEEDS_OVERRIDE: { exit: 'refused', http: 409, transient: false },
  SUSPENDED: { exit: 'suspended', http: 409, transient: false },
  IMAGE_UNAVAILABLE: { exit: 'unavailable', http: 502, transient: false },
  RUNTIME_UNAVAILABLE: { exit: 'unavailable', http: 503, transient: true },
  SOURCE_UNAVAILABLE: { exit: 'unavailable', http: 503, transient: true },
  AGENT_UNAVAILABLE: { exit: 'unavailable', http: 502, transient: true },
  UNAUTHORIZED: { exit: 'noPermission', http: 401, transient: false },
  FORBIDDEN: { exit: 'noPermission', http: 403, transient: false },
  TOO_LARGE: { exit: 'usage', http: 413, transient: false },
  METHOD_NOT_ALLOWED: { exit: 'internal', http: 405, transient: false },
  TIMEOUT: { exit: 'unavailable', http: 408, transient: true },
  RUNTIME: { exit: 'tempFail', http: 502, transient: true },
  BOOT_TIMEOUT: { exit: 'tempFail', http: 504, transient: false },
  JOB_FAILED: { exit: 'tempFail', http: 502, transient: false },
  INTERNAL: { exit: 'internal', http: 500, transient: false },
};

/** True for a string that is one of our error codes (an agent's answer, read back by the CLI). */
export const isErrorCode = (code: unknown): code is ErrorCode =>
  typeof code === 'string' && Object.hasOwn(ERROR_TABLE, code);

/** The exit code for an McpError of `code`. */
export const exitCodeOf = (code: ErrorCode): number => EXIT[ERROR_TABLE[code].exit];

/** The HTTP status the agent's API answers an McpError of `code` with. */
export const httpStatusOf = (code: ErrorCode): number => ERROR_TABLE[code].http;
