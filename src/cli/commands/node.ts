/** `mcp node list|add|remove`: the nodes of mcp.toml, and whether their agents answer. */
import type { CommandModule } from '../context.js';
import { commandGroup } from '../subcommands.js';

const SUBCOMMANDS = {
  list: "each node's address, whether its agent answers, its revision and last pass",
  add: 'add a node to mcp.toml (comments and layout kept), and its age recipients',
  remove: 'remove a node from mcp.toml (comments and layout kept)',
};

export const { help, run, ownHelp, subcommands } = commandGroup(
  'node',
  SUBCOMMANDS,
  async (sub) => (await import(`./node/${sub}.js`)) as CommandModule,
);
