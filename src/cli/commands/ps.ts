/** `mcp ps`: what runs on each node, live from its agent's view of the runtime. */
import { describeSuspension, suspensionSubject } from '../../domain/suspension.js';
import type { PsAnswer } from '../../wire/api.js';
import type { CliContext } from '../context.js';
import { activityText, askFromArgs, finish, NODE_HELP, printJson, table } from '../nodes.js';

export const help = `usage: mcp ps [NODE...] [--config FILE] [--json]

Lists the instances MCP manages on each node: name, state, health (none without a
probe, starting, healthy, unhealthy), image, the revision that created them, and what
the agent is doing to it right now (pulling, creating, starting, stopping, removing, and
for how long; - when nothing), from the agent's live view of podman. The STATE of an
instance whose node or service is suspended (mcp suspend) ends in ", suspended", and a line
below the table says since when, by whom and why.

${NODE_HELP}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { answers, json } = await askFromArgs<PsAnswer>(args, ctx, help, '/v1/ps');
  if (json) printJson(ctx, answers);
  else {
    const rows = answers.flatMap((a) =>
      a.ok
        ? a.body.instances.map((i) => [
            a.node.name,
            i.name,
            i.suspended ? `${i.state}, suspended` : i.state,
            i.health ?? 'none',
            i.image,
            i.revision?.slice(0, 7) ?? '-',
            i.activity ? activityText(i.activity) : '-',
          ])
        : [],
    );
    ctx.out(table([['NODE', 'NAME', 'STATE', 'HEALTH', 'IMAGE', 'REVISION', 'ACTIVITY'], ...rows]));
    const lines = answers.flatMap((a) =>
      a.ok
        ? a.body.instances.flatMap((i) =>
            i.suspended
              ? [`${a.node.name}: ${suspensionSubject(i.suspended)} ${describeSuspension(i.suspended)}`]
              : [],
          )
        : [],
    );
    for (const line of new Set(lines)) ctx.out(line);
  }
  return finish(ctx, answers);
}
