/** `mcp deploy`: commit and push service files, then wait until their nodes run that commit. */
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor } from '../config.js';
import type { CliContext } from '../context.js';
import { rollout } from '../rollout.js';
import { ROLLOUT_HELP, ROLLOUT_OPTIONS, rolloutOptions } from '../rollout-args.js';

export const help = `usage: mcp deploy SERVICE... [--repo DIR] [--message TEXT] [--no-wait] [--timeout S]
                  [--policy FILE | --no-policy] [--config FILE]

Validates the services clone (schema and admission policy), commits the files of the named
services as they are in the working tree, pushes the branch (services.branch) to the remote, and waits until each of
their nodes reports that commit applied.

${ROLLOUT_HELP}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, ROLLOUT_OPTIONS, help, { min: 1 });
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  return rollout(ctx, config, rolloutOptions(parsed, 'deploy'));
}
