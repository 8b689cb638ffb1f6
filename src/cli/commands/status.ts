/** `mcp status`: each node's last pass, as its agent reports it. */
import type { AccelChoice } from '../../ports/accelerator.js';
import type { PassStatus } from '../../ports/state-store.js';
import type { CliContext } from '../context.js';
import { ago, askFromArgs, finish, NODE_HELP, printJson, table } from '../nodes.js';
import { style } from '../style.js';

export const help = `usage: mcp status [NODE...] [--config FILE] [--json]

Asks each node's agent for its state: the revision it runs, the result of its last pass
(converged, degraded, failed), when that was and what it did.

${NODE_HELP}`;

interface Status {
  node: string;
  source: string;
  revision: string | null;
  lastPass: PassStatus | null;
  /** The VMs' accelerator and why (agents since it was added). */
  vm?: AccelChoice | { probing: true };
}

/** Below the table: why a pass was not clean, and which accelerator the node's VMs use. */
const details = (a: Status): string[] => [
  ...(a.lastPass?.errors ?? []).map((e) => `${a.node}: ${e.name ? `${e.name}: ` : ''}${e.message}`),
  ...(a.vm
    ? [
        'probing' in a.vm
          ? `${a.node}: VMs: probing the accelerator`
          : `${a.node}: VMs: ${a.vm.accel} (${a.vm.reason})`,
      ]
    : []),
];

export async function run(args: string[], ctx: CliContext): Promise<number> {
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
    const notes = answers.flatMap((a) => (a.ok ? details(a.body) : []));
    if (notes.length) ctx.out(`\n${notes.join('\n')}`);
  }
  return finish(ctx, answers);
}
