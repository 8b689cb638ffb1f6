/** `mcp service show|export|edit`: one service as its node runs it, and as the clone defines it. */
import type { CommandModule } from '../context.js';
import { commandGroup } from '../subcommands.js';

const SUBCOMMANDS = {
  show: 'the spec the node’s agent has in force, and how the clone’s file differs',
  export: 'the spec in force written as a service file (stdout or FILE)',
  edit: 'edit the clone’s file in $VISUAL / $EDITOR, validate, commit, push and wait',
};

export const { help, run, ownHelp, subcommands } = commandGroup(
  'service',
  SUBCOMMANDS,
  async (sub) => (await import(`./service/${sub}.js`)) as CommandModule,
);
