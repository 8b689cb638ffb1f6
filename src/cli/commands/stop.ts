/** `mcp stop`: set `active = false` in service files, commit, push, and wait for their nodes. */
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor } from '../config.js';
import type { CliContext } from '../context.js';
import { rollout, setActive } from '../rollout.js';
import { ROLLOUT_HELP, ROLLOUT_OPTIONS, rolloutOptions } from '../rollout-args.js';

export const help = `usage: mcp stop SERVICE... [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

Sets active = false in the files of the named services (the service stays defined;
its agent stops its instances), commits, pushes, and waits until each
of their nodes reports that commit applied.

${ROLLOUT_HELP}`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, ROLLOUT_OPTIONS, help, { min: 1 });
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  return rollout(ctx, config, { ...rolloutOptions(parsed, 'stop'), edit: (text) => setActive(text, false) });
}
