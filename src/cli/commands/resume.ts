/** `mcp resume NODE|SERVICE`: lifts a suspension and waits for the pass that converges what it held. */
import { describeSuspension, suspensionSubject } from '../../domain/suspension.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { finish, printJson } from '../nodes.js';
import { askSuspension, targetOf } from '../suspension.js';

export const help = `usage: mcp resume NODE|SERVICE [--reason TEXT] [--node NODE] [--config FILE] [--json] [--no-wait]

Lifts the suspension of a whole node (NAME is a node of mcp.toml) or of one service (see mcp
suspend for how its node is found), records who lifted it (operate role), and waits for the
pass that follows: what the suspension held is applied there. Prints that pass's result. A
service suspended on its own stays suspended when its node is resumed, and the other way
round. Resuming what is not suspended changes nothing.

  --reason TEXT  why, one line, recorded in the resumed event
  --no-wait      do not wait for the pass

exit codes: 0 resumed (or nothing was suspended), 4 the pass that followed did not converge,
66 no such service on that node, 69 agent unreachable, 77 token refused, 64 bad usage.`;

const OWN = { 'no-wait': { type: 'boolean', default: false } } as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const target = await targetOf(args, ctx, help, OWN);
  const answers = await askSuspension(target, 'resume', target.flags['no-wait'] !== true);
  const [a] = answers;
  if (!a.ok) return finish(ctx, answers);
  if (target.json) printJson(ctx, answers);
  else if (!a.body.suspension)
    ctx.out(
      `${a.node.name}: ${target.service ? `service ${target.service} was not suspended on its own (mcp status shows what is)` : `node ${a.node.name} was not suspended`}`,
    );
  else {
    const s = a.body.suspension;
    ctx.out(`${a.node.name}: ${suspensionSubject(s)} resumed (was ${describeSuspension(s)})`);
  }
  const pass = a.body.lastPass;
  if (pass && !target.json) ctx.out(`${a.node.name}: pass ${pass.result}: ${pass.summary}`);
  return pass && pass.result !== 'converged' && pass.result !== 'progressing' ? EXIT.notConverged : EXIT.ok;
}
