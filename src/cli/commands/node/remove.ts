/** `mcp node remove NAME`: the agent commands stop asking that node. */
import { parseCommandArgs } from '../../args.js';
import { configPath } from '../../config.js';
import { editCliConfig } from '../../config-edit.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { removeNode } from '../../toml-edit.js';

export const help = `usage: mcp node remove NAME [--config FILE]

Removes the [[nodes]] entry NAME from mcp.toml, keeping every other line, comment and the
layout. Services assigned to the node in the services repository are not touched: its
agent keeps running them.

  --config FILE  mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)

exit codes: 0 removed, 66 no node of that name, 78 the config is invalid, 64 bad usage.`;

const OPTIONS = { config: { type: 'string', short: 'c' } } as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { min: 1, max: 1 });
  const [name] = positionals;
  const path = configPath(ctx, values.config as string | undefined);
  await editCliConfig(path, (text) => removeNode(path, text, name));
  ctx.out(`removed node ${name} from ${path}`);
  return EXIT.ok;
}
