/** `mcp start`: set `active = true` in service files, commit, push, and wait for their nodes. */
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor } from '../config.js';
import type { CliContext } from '../context.js';
import { rollout, setActive } from '../rollout.js';
import { ROLLOUT_HELP, ROLLOUT_OPTIONS, rolloutOptions } from '../rollout-args.js';

export const help = `usage: mcp start SERVICE... [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

Sets active = true in the files of the named services (the service stays defined;
its agent starts them again), commits, pushes, and waits until each
of their nodes reports that commit applied.

${ROLLOUT_HELP}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, ROLLOUT_OPTIONS, help, { min: 1 });
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  return rollout(ctx, config, { ...rolloutOptions(parsed, 'start'), edit: (text) => setActive(text, true) });
}
