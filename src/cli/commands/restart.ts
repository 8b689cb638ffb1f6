/** `mcp restart SERVICE[/COMPONENT]`: an imperative restart through the node's agent; git is not touched. */
import { McpError } from '../../domain/errors.js';
import { askNodes } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor, readToken } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { FILE_OPTIONS, nodeOf } from '../files.js';
import { finish } from '../nodes.js';

export const help = `usage: mcp restart SERVICE[/COMPONENT] [--node NODE] [--config FILE]

Stops and starts the running instances of SERVICE (or of one COMPONENT) on its node, through
the agent's API (POST /v1/restart, operate role). Desired state does not change and nothing
is committed; the agent records a "restarted" event naming the token that asked
(see mcp status SERVICE). The node is --node, else the one the services clone names, else
the only one.

exit codes: 0 restarted, 3 the service is inactive, 66 no such service, component or instance
on that node, 69 agent or runtime unreachable, 77 token refused (needs operate), 64 bad usage.`;

interface Restarted {
  restarted: string[];
  by: string;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, FILE_OPTIONS, help, { min: 1, max: 1 });
  const [service, component, extra] = positionals[0].split('/');
  if (!service || component === '' || extra !== undefined)
    throw new McpError('USAGE', `'${positionals[0]}' is not SERVICE or SERVICE/COMPONENT`, { usage: help });
  const config = await loadCliConfigFor(ctx, values.config);
  const node = await nodeOf(config, service, values.node, ctx);
  const query = new URLSearchParams({ service, ...(component && { component }) });
  const [answer] = await askNodes<Restarted>([node], `/v1/restart?${query}`, {
    method: 'POST',
    token: await readToken(config, ctx),
    timeoutMs: 300_000,
  });
  if (!answer.ok) return finish(ctx, [answer]);
  ctx.out(
    `${node.name}: restarted ${answer.body.restarted.join(', ')} (recorded as asked by ${answer.body.by})`,
  );
  return EXIT.ok;
}
