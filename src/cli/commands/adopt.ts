/** `mcp adopt`: let MCP take over the unmanaged containers that hold a service's names. */
import type { AdoptAnswer, AdoptedInstance } from '../../wire/api.js';
import { askNodes } from '../agent-client.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor, readToken } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT, exitCodeOf } from '../exit-codes.js';
import { FILE_OPTIONS, nodeOf } from '../files.js';

export const help = `usage: mcp adopt SERVICE [--node NODE] [--config FILE]

A container that holds the name of one of SERVICE's components (<service>-<component>)
without MCP's labels is a conflict MCP leaves alone. adopt makes it MCP's: the agent's next
pass compares it with the service's definition (image, ports, volumes, env, cmd, user,
network) and keeps it as it runs when they match, or replaces it with a container made from
the definition when they do not; each line says which. Containers MCP already manages, and
other names, are not touched.
Needs a token with the operate role. The node is --node, else the one the services clone
(services.dir) names, else the only one.

exit codes: 0 every such container adopted or replaced (or none to adopt), 3 the pass did
not (a conflict, or skipped), 75 the runtime refused, 66 no such service on that node, 69
agent or runtime unreachable, 77 token refused, 64 bad usage.`;

const SAID: Record<AdoptedInstance['outcome'], string> = {
  adopted: 'adopted as it runs (it matches the spec; not recreated)',
  recreated: 'replaced from the spec (it differed)',
};

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, FILE_OPTIONS, help, { min: 1, max: 1 });
  const [service] = positionals;
  const config = await loadCliConfigFor(ctx, values.config);
  const node = await nodeOf(config, service, values.node, ctx);
  const [answer] = await askNodes<AdoptAnswer>([node], `/v1/adopt?service=${encodeURIComponent(service)}`, {
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
    for (const a of adopted) ctx.out(`${node.name}: ${a.name} ${SAID[a.outcome]}`);
    if (lastPass)
      ctx.out(`${node.name}: ${lastPass.result} in ${lastPass.durationMs} ms: ${lastPass.summary}`);
  }
  return EXIT.ok;
}
