/** `mcp adopt`: let MCP take over the unmanaged containers that hold a service's names. */
import type { PassStatus } from '../../ports/state-store.js';
import { askNodes } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor, readToken } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import { FILE_OPTIONS, nodeOf } from '../files.js';

export const help = `usage: mcp adopt SERVICE [--node NODE] [--config FILE]

A container that holds the name of one of SERVICE's components (<service>-<component>)
without MCP's labels is a conflict MCP leaves alone. adopt makes it MCP's: the agent records
it as its own and runs a pass, which replaces it with a container made from the service's
definition. Containers MCP already manages, and other names, are not touched.
Needs a token with the operate role. The node is --node, else the one the services clone
(services.dir) names, else the only one.

exit codes: 0 adopted (or nothing to adopt), 66 no such service on that node, 69 agent or
runtime unreachable, 77 token refused, 64 bad usage.`;

interface Adopted {
  adopted: string[];
  lastPass: PassStatus | null;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, FILE_OPTIONS, help, { min: 1, max: 1 });
  const [service] = positionals;
  const config = await loadCliConfigFor(ctx, values.config);
  const node = await nodeOf(config, service, values.node, ctx);
  const [answer] = await askNodes<Adopted>([node], `/v1/adopt?service=${encodeURIComponent(service)}`, {
    method: 'POST',
    token: await readToken(config, ctx),
    timeoutMs: 600_000,
  });
  if (!answer.ok) {
    ctx.err(`mcp: ${answer.error.message}`);
    if (typeof answer.error.data.hint === 'string') ctx.err(`hint: ${answer.error.data.hint}`);
    return exitCodeOf(answer.error.code);
  }
  const { adopted, lastPass } = answer.body;
  if (!adopted.length) ctx.out(`${node.name}: nothing of ${service} to adopt`);
  else {
    ctx.out(`${node.name}: adopted ${adopted.join(', ')}`);
    if (lastPass)
      ctx.out(`${node.name}: ${lastPass.result} in ${lastPass.durationMs} ms: ${lastPass.summary}`);
  }
  return EXIT.ok;
}
