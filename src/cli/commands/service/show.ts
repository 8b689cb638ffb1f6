/** `mcp service show SERVICE`: the spec in force on its node, and where the clone's file differs. */
import { renderServiceFile } from '../../../validate/service-toml.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { checkServiceName, cloneSpec, fetchInForce, specDifferences } from '../../service-in-force.js';

export const help = `usage: mcp service show SERVICE [--node NODE] [--json] [--config FILE]

Prints the spec of SERVICE that its node's agent has in force (from the last good revision,
normalised: defaults filled in, lists sorted) as TOML, with that revision. When mcp.toml has
services.dir, the clone's file is compared with it and each difference printed as
"field: in force -> in the clone" (what a deploy of the clone would change).

  --node NODE    the node to ask (default: the one the clone names, else the only one)
  --json         {node, revision, spec, differences}

exit codes: 0 shown (whether or not it differs), 66 no such service on that node, 69 agent
unreachable, 77 token refused, 64 bad usage.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  node: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { min: 1, max: 1 });
  const [service] = positionals;
  checkServiceName(service, help);
  const config = await loadCliConfigFor(ctx, values.config);
  const inForce = await fetchInForce(config, service, values.node, ctx);
  const clone = await cloneSpec(config, service, inForce.node, ctx);
  const differences = clone.spec ? specDifferences(inForce.spec, clone.spec) : null;
  if (values.json) {
    ctx.out(JSON.stringify({ ...inForce, differences, ...(clone.note && { note: clone.note }) }, null, 2));
    return EXIT.ok;
  }
  const at = inForce.revision ? inForce.revision.slice(0, 7) : 'a local directory';
  ctx.out(
    renderServiceFile(inForce.spec, [
      `in force on ${inForce.node} at ${at} (${inForce.spec.file})`,
    ]).trimEnd(),
  );
  ctx.out('');
  if (clone.note) ctx.out(`# ${clone.note}`);
  else if (differences?.length === 0) ctx.out(`# the clone's ${clone.spec?.file} means the same`);
  else
    ctx.out(
      [
        `# the clone's ${clone.spec?.file} differs (in force -> clone):`,
        ...differences!.map((d) => `#   ${d}`),
      ].join('\n'),
    );
  return EXIT.ok;
}
