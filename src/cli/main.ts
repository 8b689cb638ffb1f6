#!/usr/bin/env node
/**
 * The `mcp` executable: picks the command, loads only its module, builds the CliContext and
 * owns the one catch block that turns errors into a message and an exit code.
 * Top-level imports stay tiny so `mcp status` starts fast.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { McpError } from '../domain/errors.js';
import { packageVersion } from '../version.js';
import type { CliContext, CommandModule } from './context.js';
import { EXIT, exitCodeMarkdown, exitCodeOf } from './exit-codes.js';

/** The commands that exist, with their one-line summaries; each has `./commands/<name>.js`. */
export const COMMANDS: Record<string, string> = {
  validate: 'check every service file of a directory and report all errors',
  plan: 'show the actions each node would take between two git revisions',
  render: 'print podman run commands, a compose file or a kube manifest for services',
  list: 'list the services of the services clone, by node',
  status: 'ask each node’s agent for the result of its last pass',
  ps: 'list the instances MCP manages on each node, live',
  sync: 'make each node’s agent reconcile now and wait for the pass',
  deploy: 'commit and push services, then wait until their nodes run that commit',
  stop: 'set services inactive (commit, push, wait): their instances stop',
  start: 'set services active again (commit, push, wait)',
  adopt: 'let MCP take over unmanaged containers holding a service’s names',
  push: 'copy a local file into a service’s directory on its node',
  pull: 'copy a file of a service’s directory on its node to here',
  node: 'list the nodes and whether their agents answer; add or remove one',
  login: 'check an API token with the agents and store it for the other commands',
  restart: 'restart a service’s instances on its node now (no commit)',
  suspend: 'stop the agent acting on a node or a service (it keeps watching) until resume',
  resume: 'lift a suspension and wait for the pass that applies what it held',
  service: 'show, export or edit one service (in force on its node, or in the clone)',
  secret: 'set, edit, re-encrypt or list the age-encrypted secrets of the services clone',
  ui: 'serve the live status page of every node on 127.0.0.1',
};

const GENERAL_HELP = `usage: mcp <command> [options]

commands:
${Object.entries(COMMANDS)
  .map(([name, summary]) => `  ${name.padEnd(10)}${summary}`)
  .join('\n')}

  mcp <command> --help    usage of one command
  mcp help exit-codes     what each exit code means
  mcp --version           the version of mcp

environment: NO_COLOR disables colour (also off when stdout is not a terminal),
FORCE_COLOR=1 enables it in a pipe, MCP_DEBUG=1 prints stack traces.`;

const isHelpFlag = (a: string): boolean => a === '--help' || a === '-h';

/** The context of a real process: stdout/stderr lines, colour only on a terminal without NO_COLOR. */
export function processContext(): CliContext {
  const env = process.env;
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0';
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const line = (stream: NodeJS.WriteStream) => (text: string) => {
    stream.write(text.endsWith('\n') ? text : `${text}\n`);
  };
  return {
    cwd: process.cwd(),
    env,
    out: line(process.stdout),
    err: line(process.stderr),
    color: !noColor && (forced || process.stdout.isTTY === true),
    tty: process.stdout.isTTY === true,
  };
}

/** Runs `mcp` with `argv` (without node and script); returns the exit code, never throws. */
export async function main(argv: string[], ctx: CliContext): Promise<number> {
  try {
    return await dispatch(argv, ctx);
  } catch (err) {
    return report(err, ctx);
  }
}

async function dispatch(argv: string[], ctx: CliContext): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    ctx.err(GENERAL_HELP);
    return EXIT.usage;
  }
  if (isHelpFlag(name)) return help(rest[0], ctx);
  if (name === 'help') return help(rest[0], ctx);
  if (name === '--version' || name === '-V') {
    ctx.out(`mcp ${packageVersion()}`);
    return EXIT.ok;
  }
  const command = await load(name);
  const dashDash = rest.indexOf('--');
  if (!command.ownHelp && rest.slice(0, dashDash < 0 ? undefined : dashDash).some(isHelpFlag)) {
    ctx.out(command.help);
    return EXIT.ok;
  }
  return command.run(rest, ctx);
}

async function help(topic: string | undefined, ctx: CliContext): Promise<number> {
  if (topic === undefined) ctx.out(GENERAL_HELP);
  else if (topic === 'exit-codes') ctx.out(exitCodeMarkdown());
  else ctx.out((await load(topic)).help);
  return EXIT.ok;
}

async function load(name: string): Promise<CommandModule> {
  if (!Object.hasOwn(COMMANDS, name)) {
    throw new McpError('USAGE', `unknown command '${name}'`, {
      hint: `commands: ${Object.keys(COMMANDS).join(', ')}; see mcp --help`,
    });
  }
  return (await import(`./commands/${name}.js`)) as CommandModule;
}

/** The usage lines of a command's help (up to its first blank line), with a pointer to the rest. */
const synopsis = (usage: string): string => `${usage.split('\n\n')[0]}\n(--help for details)`;

/** The one catch block: user errors get a line and a hint, bugs a short note (stack with MCP_DEBUG=1). */
function report(err: unknown, ctx: CliContext): number {
  const debug = ctx.env.MCP_DEBUG === '1';
  if (err instanceof McpError && err.code !== 'INTERNAL') {
    ctx.err(`mcp: ${err.message}`);
    if (typeof err.data.hint === 'string') ctx.err(`hint: ${err.data.hint}`);
    if (err.code === 'USAGE' && typeof err.data.usage === 'string') ctx.err(`\n${synopsis(err.data.usage)}`);
    if (debug && err.stack) ctx.err(err.stack);
    return exitCodeOf(err.code);
  }
  const message = err instanceof Error ? err.message : String(err);
  ctx.err(`mcp: internal error: ${message}`);
  if (debug) ctx.err(err instanceof Error && err.stack ? err.stack : String(err));
  else ctx.err('hint: this is a bug in mcp; rerun with MCP_DEBUG=1 for the stack trace');
  return EXIT.internal;
}

/** True when this file is the process's entry point (also through an npm bin symlink), false when imported by tests. */
const invokedDirectly = (): boolean => {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
};

if (invokedDirectly()) {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  });
  process.exitCode = await main(process.argv.slice(2), processContext());
}
