/** `mcp suspend NODE|SERVICE`: the agent stops acting on a node or one service (and keeps watching it), until `mcp resume`. */
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { finish, printJson } from '../nodes.js';
import { askSuspension, suspensionLine, targetOf } from '../suspension.js';

export const help = `usage: mcp suspend NODE|SERVICE [--reason TEXT] [--node NODE] [--config FILE] [--json] [--no-wait]

Suspends a whole node (NAME is a node of mcp.toml) or one service (any other name; its node
is --node, else the node whose agent runs it, else the one the services clone names). While
suspended, no pass acts on it: nothing is created, recreated, started, stopped, healed,
pruned or rolled back; a new commit does not lift it, nor does a restart of the agent. The
agent still observes and plans it: drift and the changes a commit asks for are shown as
held (mcp status: the pass is degraded, REASON SUSPENDED; mcp plan --live: what a resume
would do). The suspension is recorded with the token's name (operate role) and the reason,
and shown by mcp status, mcp ps, the status page and the events. A second suspend keeps the
first. Lift it with mcp resume NAME. The command waits for the pass that follows (so a pass
that was acting when it was asked has ended too) and prints it.

  --reason TEXT  why, one line (at most 200 characters)
  --no-wait      do not wait for that pass

exit codes: 0 suspended (or already), 66 no such service on that node, 69 agent unreachable,
77 token refused (needs operate), 64 bad usage.`;

const OWN = { 'no-wait': { type: 'boolean', default: false } } as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const target = await targetOf(args, ctx, help, OWN);
  const answers = await askSuspension(target, 'suspend', target.flags['no-wait'] !== true);
  const [a] = answers;
  if (!a.ok) return finish(ctx, answers);
  if (target.json) printJson(ctx, answers);
  else if (a.body.suspension) {
    ctx.out(`${suspensionLine(a.node.name, a.body.suspension)}${a.body.changed ? '' : ' (already)'}`);
    const pass = a.body.lastPass;
    if (pass) ctx.out(`${a.node.name}: pass ${pass.result}: ${pass.summary}`);
  }
  return EXIT.ok;
}
