/** `mcp status`: each node's last pass, as its agent reports it. */
import type { PassStatus } from '../../ports/state-store.js';
import type { CliContext } from '../context.js';
import { ago, askFromArgs, finish, NODE_HELP, printJson, table } from '../nodes.js';
import { nodeDetail, serviceStatus } from '../status-detail.js';
import { style } from '../style.js';

export const help = `usage: mcp status [NODE...|SERVICE] [--config FILE] [--json]

Asks each node's agent for its state: the revision it runs, the result of its last pass
(converged, degraded, failed), when that was and what it did. With one NODE, also that
node's services; with one SERVICE (a name that is not a node), that service's components
(state, image, ports, revision, when MCP last started each) and its last 10 events.

${NODE_HELP}`;

interface Status {
  node: string;
  source: string;
  revision: string | null;
  lastPass: PassStatus | null;
}

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const service = await serviceStatus(args, ctx, help);
  if (service !== undefined) return service;
  const { answers, json } = await askFromArgs<Status>(args, ctx, help, '/v1/status');
  if (json) printJson(ctx, answers);
  else {
    const s = style(ctx);
    const colour = { converged: s.green, degraded: s.yellow, failed: s.red } as const;
    const rows = answers.map((a) => {
      if (!a.ok) return [a.node.name, s.red('unreachable'), '-', '-', a.error.code];
      const pass = a.body.lastPass;
      return [
        a.node.name,
        pass ? colour[pass.result](pass.result) : 'no pass yet',
        a.body.revision?.slice(0, 7) ?? '-',
        pass ? `${ago(pass.at)} (${pass.durationMs} ms)` : '-',
        pass?.summary ?? '',
      ];
    });
    ctx.out(table([['NODE', 'RESULT', 'REVISION', 'LAST PASS', 'SUMMARY'], ...rows]));
  }
  const code = finish(ctx, answers);
  if (code === 0) await nodeDetail(args, ctx, help);
  return code;
}
