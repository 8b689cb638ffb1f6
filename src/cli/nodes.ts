/**
 * What the commands that ask agents share: --config, --json and node names on the command
 * line, the fan-out, a plain table, and one exit code for the lot.
 */

import type { Activity } from '../domain/activity.js';
import { McpError } from '../domain/errors.js';
import { type AskOptions, askNodes, type NodeAnswer, worstError } from './agent-client.js';
import { parseCommandArgs } from './args.js';
import { loadCliConfigFor, readToken, selectNodes } from './config.js';
import type { CliContext } from './context.js';
import { EXIT, exitCodeOf } from './exit-codes.js';

export const NODE_OPTIONS = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean', default: false },
  timeout: { type: 'string' },
} as const;

export const NODE_HELP = `  --config FILE  mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)
  --json         print every node's answer as JSON
  --timeout S    how long to wait for each agent (default 10)
  NODE...        the nodes to ask (default: every node of the config)

The token is $MCP_TOKEN, else the file at auth.token_path.
exit codes: 0 every node answered, 69 a node is unreachable, 77 a token was refused,
78 bad config, 66 unknown node, 64 bad usage.`;

/** Flags a command adds to NODE_OPTIONS (booleans only). */
export type ExtraFlags = Record<string, { type: 'boolean'; short?: string; default?: boolean }>;

/**
 * Parses the command line, loads the config and asks the named nodes `path` (a function of
 * the parsed flags and named nodes, for a command whose request depends on them).
 */
export const askFromArgs = async <T>(
  args: string[],
  ctx: CliContext,
  help: string,
  path: string | ((flags: Record<string, unknown>, named: string[]) => string),
  opts: Omit<AskOptions, 'token'> = {},
  extra: ExtraFlags = {},
): Promise<{ answers: NodeAnswer<T>[]; json: boolean; flags: Record<string, unknown> }> => {
  const { values, positionals } = parseCommandArgs(args, { ...NODE_OPTIONS, ...extra }, help);
  const target = typeof path === 'string' ? path : path(values, positionals);
  const config = await loadCliConfigFor(ctx, values.config as string | undefined);
  const nodes = selectNodes(config, positionals);
  const token = await readToken(config, ctx);
  const timeoutMs = values.timeout === undefined ? opts.timeoutMs : secondsFlag(values.timeout, help) * 1000;
  return {
    answers: await askNodes<T>(nodes, target, {
      ...opts,
      token,
      ...(timeoutMs !== undefined && { timeoutMs }),
    }),
    json: values.json === true,
    flags: values,
  };
};

/** A --timeout value: a positive number of seconds, else USAGE. */
export const secondsFlag = (value: unknown, usage: string): number => {
  const seconds = Number(value);
  if (typeof value !== 'string' || !(seconds > 0))
    throw new McpError('USAGE', `--timeout must be a positive number of seconds, not ${String(value)}`, {
      usage,
    });
  return seconds;
};

/** Prints the answers as JSON: [{node, ok, ...body} | {node, ok: false, error}]. */
export const printJson = <T>(ctx: CliContext, answers: readonly NodeAnswer<T>[]): void => {
  ctx.out(
    JSON.stringify(
      answers.map((a) =>
        a.ok
          ? { node: a.node.name, ok: true, ...a.body }
          : { node: a.node.name, ok: false, error: a.error.toJSON() },
      ),
      null,
      2,
    ),
  );
};

/** Columns padded to their widest cell; the last column is not padded. */
export const table = (rows: readonly string[][]): string => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
};

/** Reports each failed node on stderr (with its hint) and returns the exit code of the lot. */
export const finish = <T>(ctx: CliContext, answers: readonly NodeAnswer<T>[]): number => {
  for (const a of answers) {
    if (a.ok) continue;
    ctx.err(`mcp: ${a.error.message}`);
    if (typeof a.error.data.hint === 'string') ctx.err(`hint: ${a.error.data.hint}`);
  }
  const worst = worstError(answers);
  return worst ? exitCodeOf(worst.code) : EXIT.ok;
};

/** "12 s ago", "5 min ago", "3 h ago", "2 d ago". */
export const ago = (iso: string, now = Date.now()): string => {
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 120) return `${s} s ago`;
  if (s < 7200) return `${Math.round(s / 60)} min ago`;
  if (s < 172800) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} d ago`;
};

/** "starting for 3 s": what the agent is doing to an instance, and since when. */
export const activityText = (a: Activity): string => `${a.phase} for ${ago(a.since).replace(/ ago$/, '')}`;
