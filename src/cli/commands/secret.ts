/** `mcp secret set|edit|rotate-recipients|list`: the services' age-encrypted secrets in the clone. */
import type { CommandModule } from '../context.js';
import { commandGroup } from '../subcommands.js';

const SUBCOMMANDS = {
  set: 'encrypt a value (stdin or a file) to a service’s node and the operators; commit, wait',
  edit: 'edit a secret in $VISUAL / $EDITOR on a tmpfs file, re-encrypt it; commit, wait',
  'rotate-recipients': 're-encrypt the secrets to what .mcp/recipients.toml now lists; commit, wait',
  list: 'each secret, who it is encrypted to, and whether that is current',
};

export const { help, run, ownHelp, subcommands } = commandGroup(
  'secret',
  SUBCOMMANDS,
  async (sub) => (await import(`./secret/${sub}.js`)) as CommandModule,
);
