/** `mcp status`: each node's last pass, as its agent reports it. */

import { style } from '../../render/style.js';
import type { StatusAnswer } from '../../wire/api.js';
import type { CliContext } from '../context.js';
import { ago, askFromArgs, finish, NODE_HELP, printJson, table } from '../nodes.js';

export const help = `usage: mcp status [NODE...] [--config FILE] [--json]

Asks each node's agent for its state: the revision it runs, the result of its last pass
(converged, degraded, failed), when that was and what it did. Below the table, one line
per instance that keeps a node from converging although nothing failed: not healthy yet,
unhealthy, restarting, crash-looping or rolled back, and why.

${NODE_HELP}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { answers, json } = await askFromArgs<StatusAnswer>(args, ctx, help, '/v1/status');
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
    for (const a of answers) {
      if (!a.ok) continue;
      for (const u of a.body.lastPass?.unhealthy ?? [])
        ctx.out(`${a.node.name}: ${u.name} ${s.yellow(u.state)}${u.reason ? `: ${u.reason}` : ''}`);
    }
  }
  return finish(ctx, answers);
}
