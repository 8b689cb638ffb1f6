/** `mcp node add NAME ADDRESS`: a node in mcp.toml, so the agent commands ask it too. */
import { McpError } from '../../../domain/errors.js';
import { parseCommandArgs } from '../../args.js';
import { configPath } from '../../config.js';
import { editCliConfig } from '../../config-edit.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { addNode } from '../../toml-edit.js';

export const help = `usage: mcp node add NAME ADDRESS [--config FILE]

Adds [[nodes]] name = NAME, address = ADDRESS to mcp.toml (created when missing), keeping
its comments and layout. ADDRESS is host:port of the node's agent, or an https:// URL.
The file is checked afterwards; when it does not validate it is put back as it was.

  --config FILE  mcp.toml (default: $MCP_CONFIG, else ~/.config/mcp/mcp.toml)

exit codes: 0 added, 3 a node of that name exists, 78 the result would be an invalid
config (nothing changed), 64 bad usage.`;

const OPTIONS = { config: { type: 'string', short: 'c' } } as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { min: 2, max: 2 });
  const [name, address] = positionals;
  if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name))
    throw new McpError('USAGE', `node name '${name}' must be a DNS label (a-z, 0-9, -)`, { usage: help });
  if (!/^(https?:\/\/)?[^\s/:]+(:\d+)?\/?$|^https?:\/\/\[[0-9a-f:]+\](:\d+)?\/?$/i.test(address))
    throw new McpError('USAGE', `address '${address}' must be host:port or an http(s):// URL`, {
      usage: help,
    });
  const path = configPath(ctx, values.config as string | undefined);
  await editCliConfig(path, (text) => addNode(path, text, { name, address }));
  ctx.out(`added node ${name} (${address}) to ${path}`);
  return EXIT.ok;
}
