/** `mcp sync`: each node's agent reconciles now, and the command waits for the pass. */
import type { ReconcileAnswer } from '../../wire/api.js';
import type { CliContext } from '../context.js';
import { askFromArgs, finish, NODE_HELP, printJson, table } from '../nodes.js';

export const help = `usage: mcp sync [NODE...] [--config FILE] [--json]

Asks each node's agent for a reconcile pass now (it fetches the services repository
first) and waits until that pass has finished, then prints what it did. Needs a token
with the operate role. A pass takes as long as its actions: the wait is up to 10 minutes.

${NODE_HELP}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { answers, json } = await askFromArgs<ReconcileAnswer>(args, ctx, help, '/v1/reconcile?wait=true', {
    method: 'POST',
    timeoutMs: 600_000,
  });
  if (json) printJson(ctx, answers);
  else {
    const rows = answers.flatMap((a) => {
      const p = a.ok ? a.body.lastPass : null;
      return p
        ? [[a.node.name, p.result, p.revision?.slice(0, 7) ?? '-', `${p.durationMs} ms`, p.summary]]
        : [];
    });
    ctx.out(table([['NODE', 'RESULT', 'REVISION', 'TOOK', 'SUMMARY'], ...rows]));
  }
  return finish(ctx, answers);
}
