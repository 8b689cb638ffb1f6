/**
 * Commands with subcommands (`mcp node list|add|remove`, `mcp service show|edit|export`): one
 * file per subcommand under commands/<group>/, loaded only when named, each with its own help.
 */
import { McpError } from '../domain/errors.js';
import type { CommandModule } from './context.js';

/** A command module that dispatches its first argument to `commands/<group>/<sub>.js`. */
export const commandGroup = (
  group: string,
  subcommands: Record<string, string>,
  load: (sub: string) => Promise<CommandModule>,
): CommandModule => {
  const width = Math.max(8, ...Object.keys(subcommands).map((name) => name.length + 2));
  const help = `usage: mcp ${group} <subcommand> [options]

subcommands:
${Object.entries(subcommands)
  .map(([name, summary]) => `  ${name.padEnd(width)}${summary}`)
  .join('\n')}

  mcp ${group} <subcommand> --help    usage of one subcommand`;
  return {
    help,
    ownHelp: true,
    subcommands: Object.keys(subcommands),
    async run(args, ctx) {
      const [sub, ...rest] = args;
      const known = sub !== undefined && Object.hasOwn(subcommands, sub);
      if (!known && args.some((a) => a === '--help' || a === '-h')) {
        ctx.out(help);
        return 0;
      }
      if (sub === undefined) throw new McpError('USAGE', `mcp ${group} needs a subcommand`, { usage: help });
      if (!Object.hasOwn(subcommands, sub))
        throw new McpError('USAGE', `unknown subcommand '${group} ${sub}'`, { usage: help });
      const command = await load(sub);
      const dashDash = rest.indexOf('--');
      if (rest.slice(0, dashDash < 0 ? undefined : dashDash).some((a) => a === '--help' || a === '-h')) {
        ctx.out(command.help);
        return 0;
      }
      return command.run(rest, ctx);
    },
  };
};
