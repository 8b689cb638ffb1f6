/** `mcp sync`: each node's agent reconciles now, and the command waits for the pass. */
import { McpError } from '../../domain/errors.js';
import type { PassStatus } from '../../ports/state-store.js';
import type { CliContext } from '../context.js';
import { askFromArgs, finish, NODE_HELP, printJson, table } from '../nodes.js';

export const help = `usage: mcp sync [NODE...] [--config FILE] [--json]
       mcp sync --override NODE... [--config FILE] [--json]

Asks each node's agent for a reconcile pass now (it fetches the services repository
first) and waits until that pass has finished, then prints what it did. Needs a token
with the operate role. A pass takes as long as its actions: the wait is up to 10 minutes.

  --override  release the revision a node holds because it removes most of its services
              (see \`mcp status -v\`): the pass applies it, removals included. The agent
              records an event naming the token. Only for nodes named on the command line;
              refused (exit 3) when the node holds nothing.

${NODE_HELP}`;

interface Synced {
  lastPass: PassStatus | null;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { answers, json } = await askFromArgs<Synced>(
    args,
    ctx,
    help,
    (flags, named) => {
      if (!flags.override) return '/v1/reconcile?wait=true';
      if (named.length === 0)
        throw new McpError('USAGE', '--override needs the nodes named: mcp sync --override NODE...', {
          usage: help,
        });
      return '/v1/reconcile?wait=true&override=true';
    },
    { method: 'POST', timeoutMs: 600_000 },
    { override: { type: 'boolean', default: false } },
  );
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
