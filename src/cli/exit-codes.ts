/**
 * The exit codes of `mcp` as documented (`mcp help exit-codes`, the README): each one's
 * meaning and the error codes the shared table (domain/error-table.ts) maps to it, so `mcp
 * plan` in CI can tell "the PR changes something" from "mcp broke".
 */
import { ERROR_TABLE, EXIT, type ExitName } from '../domain/error-table.js';
import type { ErrorCode } from '../domain/errors.js';

export { EXIT, type ExitName, exitCodeOf } from '../domain/error-table.js';

const meaning: Record<ExitName, string> = {
  ok: 'success; for `mcp plan`: no changes',
  invalid:
    'the revision (or head of `mcp plan`, or the clone `mcp deploy` would commit) is invalid, breaks the admission policy (the default one, or that of `--policy FILE`), is not signed as the node requires, or names a secret the node cannot read; all errors are printed',
  changes: '`mcp plan`: the revisions differ, the printed actions would be taken',
  refused:
    'refused: a name held by something MCP does not own, a mass removal without override, or `mcp sync --override` on a node that holds nothing',
  notConverged:
    '`mcp status`: a node is degraded, failed, has no pass yet, or has not applied its newest revision (the REASON column says why); `mcp deploy` / `stop` / `start` / `service edit`: pushed, but a node did not converge at that commit in time',
  progressing:
    '`mcp status`: nothing is wrong, but a node is still progressing (waiting, as designed, for instances inside their start period or start_timeout, dependents waiting on them, or back-offs)',
  suspended:
    '`mcp status`: every node is converged or progressing, but a node or service is suspended (`mcp suspend`): nothing is held right now, yet the agent will repair nothing there until `mcp resume` (a suspension that holds an action makes its node degraded: 4)',
  usage:
    'bad command line: unknown command or flag, missing argument; or a request the agent refused as malformed or too large',
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
    errors: (Object.keys(ERROR_TABLE) as ErrorCode[]).filter((e) => ERROR_TABLE[e].exit === name),
  }))
  .sort((a, b) => a.code - b.code);

/** The table as Markdown, for the README and `mcp help exit-codes`. */
export const exitCodeMarkdown = (): string =>
  [
    '| code | meaning | error codes |',
    '| ---: | --- | --- |',
    ...EXIT_CODE_TABLE.map((r) => `| ${r.code} | ${r.meaning} | ${r.errors.join(', ')} |`),
  ].join('\n');
