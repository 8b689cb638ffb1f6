/** `mcp service export SERVICE [FILE]`: what a node runs, as a service file to commit or keep. */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { renderServiceFile } from '../../../validate/service-toml.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { EXIT } from '../../exit-codes.js';
import { checkServiceName, fetchInForce } from '../../service-in-force.js';

export const help = `usage: mcp service export SERVICE [FILE|-] [--node NODE] [--config FILE]

Writes the spec of SERVICE that its node's agent has in force as a service file: to FILE,
or stdout (default, or -). Every value is explicit, as the agent holds it; the file is
valid for mcp validate and means the same as the revision it came from, so committing it
as services/SERVICE.toml changes nothing on the node.

  --node NODE    the node to ask (default: the one the clone names, else the only one)

exit codes: 0 written, 66 no such service on that node, 69 agent unreachable, 77 token
refused, 64 bad usage.`;

const OPTIONS = { config: { type: 'string', short: 'c' }, node: { type: 'string' } } as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values, positionals } = parseCommandArgs(args, OPTIONS, help, { min: 1, max: 2 });
  const [service, file] = positionals;
  checkServiceName(service, help);
  const config = await loadCliConfigFor(ctx, values.config);
  const inForce = await fetchInForce(config, service, values.node, ctx);
  const at = inForce.revision ? `revision ${inForce.revision}` : 'a local directory';
  const text = renderServiceFile(inForce.spec, [`exported from node ${inForce.node}, ${at}`]);
  if (file === undefined || file === '-') ctx.out(text.trimEnd());
  else {
    await writeFile(resolve(ctx.cwd, file), text);
    ctx.err(`wrote ${file}`);
  }
  return EXIT.ok;
}
