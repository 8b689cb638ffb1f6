/** `mcp list`: the services the desired state defines, read from the services clone. */
import { resolve } from 'node:path';
import { loadRevisionFromDir } from '../../adapters/dir/load.js';
import { McpError } from '../../domain/errors.js';
import { formatSpecError } from '../../domain/spec-error.js';
import { parseCommandArgs } from '../args.js';
import { loadCliConfigFor } from '../config.js';
import type { CliContext } from '../context.js';
import { EXIT } from '../exit-codes.js';
import { table } from '../nodes.js';
import { uncheckedLines, uncheckedOf } from '../unchecked.js';

export const help = `usage: mcp list [--node NODE] [--repo DIR] [--json] [--config FILE]

Lists the services of the services clone (--repo, else services.dir of mcp.toml, else .):
name, node, whether active, and the components with their kind and image. This is the
desired state as it stands in the clone; \`mcp status\` and \`mcp ps\` show what runs.

exit codes: 0 listed, 1 the clone is invalid (its errors are printed), 64 bad usage.`;

const OPTIONS = {
  config: { type: 'string', short: 'c' },
  repo: { type: 'string' },
  node: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const { values } = parseCommandArgs(args, OPTIONS, help, { max: 0 });
  const repo =
    typeof values.repo === 'string'
      ? values.repo
      : ((await loadCliConfigFor(ctx, values.config).catch(() => undefined))?.services?.dir ?? '.');
  const loaded = await loadRevisionFromDir(resolve(ctx.cwd, repo));
  if (!loaded.ok) {
    ctx.err(loaded.errors.map(formatSpecError).join('\n'));
    throw new McpError('INVALID_SPEC', `the services clone ${repo} is invalid`);
  }
  const services = loaded.revision.services.filter(
    (s) => values.node === undefined || s.node === values.node,
  );
  for (const line of uncheckedLines(uncheckedOf(loaded.unchecked, values.node as string | undefined)))
    ctx.err(`note: not listed: ${line}`);
  if (values.json === true) {
    ctx.out(
      JSON.stringify(
        services.map(({ file: _file, ...s }) => s),
        null,
        2,
      ),
    );
    return EXIT.ok;
  }
  const rows = services.map((s) => [
    s.name,
    s.node,
    s.active ? 'yes' : 'no',
    s.components.map((c) => `${c.name} (${c.kind === 'unikernel' ? 'vm ' : ''}${c.image})`).join(', '),
  ]);
  ctx.out(table([['SERVICE', 'NODE', 'ACTIVE', 'COMPONENTS'], ...rows]));
  return EXIT.ok;
}
