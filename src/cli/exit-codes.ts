/**
 * The exit codes of `mcp`, one table for the CLI, its tests and the README. Small numbers
 * carry a result a script branches on (invalid, changes); the sysexits(3) range carries
 * failures, so `mcp plan` in CI can tell "the PR changes something" from "mcp broke".
 */
import type { ErrorCode } from '../domain/errors.js';

/** Exit codes by name; commands return these, never bare numbers. */
export const EXIT = {
  ok: 0,
  invalid: 1,
  changes: 2,
  refused: 3,
  notConverged: 4,
  usage: 64,
  notFound: 66,
  unavailable: 69,
  internal: 70,
  tempFail: 75,
  noPermission: 77,
  config: 78,
} as const;

export type ExitName = keyof typeof EXIT;

const exitOfError: Record<ErrorCode, ExitName> = {
  INVALID_SPEC: 'invalid',
  POLICY_VIOLATION: 'invalid',
  INVALID_CONFIG: 'config',
  USAGE: 'usage',
  NOT_FOUND: 'notFound',
  CONFLICT: 'refused',
  NEEDS_OVERRIDE: 'refused',
  IMAGE_UNAVAILABLE: 'unavailable',
  RUNTIME_UNAVAILABLE: 'unavailable',
  SOURCE_UNAVAILABLE: 'unavailable',
  AGENT_UNAVAILABLE: 'unavailable',
  UNAUTHORIZED: 'noPermission',
  FORBIDDEN: 'noPermission',
  TOO_LARGE: 'usage',
  METHOD_NOT_ALLOWED: 'internal',
  TIMEOUT: 'unavailable',
  RUNTIME: 'tempFail',
  BOOT_TIMEOUT: 'tempFail',
  INTERNAL: 'internal',
};

/** The exit code the one catch block of main.ts uses for an McpError of `code`. */
export const exitCodeOf = (code: ErrorCode): number => EXIT[exitOfError[code]];

const meaning: Record<ExitName, string> = {
  ok: 'success; for `mcp plan`: no changes',
  invalid:
    'the revision (or head of `mcp plan`) is invalid, or breaks the admission policy of `mcp validate --policy`; all errors are printed',
  changes: '`mcp plan`: the revisions differ, the printed actions would be taken',
  refused:
    'refused: a name held by something MCP does not own, a mass removal without override, or `mcp sync --override` on a node that holds nothing',
  notConverged:
    '`mcp status`: a node is degraded, failed, has no pass yet, or has not applied its newest revision (the REASON column says why); `mcp deploy` / `stop` / `start` / `service edit`: pushed, but a node did not converge at that commit in time',
  usage: 'bad command line: unknown command or flag, missing argument',
  notFound: 'a named service, node, revision or file does not exist',
  unavailable: 'an agent, the git server, the container runtime or an image cannot be reached',
  internal: 'a bug in mcp; rerun with MCP_DEBUG=1 for the stack trace',
  tempFail: 'the runtime refused an operation; retrying may help',
  noPermission: 'an agent refused the token: missing, unknown, or without the role the command needs',
  config: 'a configuration file is invalid',
};

/** One row of the documented exit-code table. */
export interface ExitCodeRow {
  code: number;
  name: ExitName;
  meaning: string;
  errors: ErrorCode[];
}

/** Every exit code with its meaning and the error codes mapped to it, ascending. */
export const EXIT_CODE_TABLE: readonly ExitCodeRow[] = (Object.keys(EXIT) as ExitName[])
  .map((name) => ({
    code: EXIT[name],
    name,
    meaning: meaning[name],
    errors: (Object.keys(exitOfError) as ErrorCode[]).filter((e) => exitOfError[e] === name),
  }))
  .sort((a, b) => a.code - b.code);

/** The table as Markdown, for the README and `mcp help exit-codes`. */
export const exitCodeMarkdown = (): string =>
  [
    '| code | meaning | error codes |',
    '| ---: | --- | --- |',
    ...EXIT_CODE_TABLE.map((r) => `| ${r.code} | ${r.meaning} | ${r.errors.join(', ')} |`),
  ].join('\n');
