/** `mcp service edit SERVICE`: edit the clone's file, then validate, commit, push and wait as deploy does. */
import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { McpError } from '../../../domain/errors.js';
import { formatSpecError, loadRevisionFromDir } from '../../../spec/load.js';
import { parseCommandArgs } from '../../args.js';
import { loadCliConfigFor } from '../../config.js';
import type { CliContext } from '../../context.js';
import { editorOf, editUntilValid } from '../../edit-session.js';
import { EXIT } from '../../exit-codes.js';
import { rollout } from '../../rollout.js';
import { ROLLOUT_HELP, ROLLOUT_OPTIONS, rolloutOptions } from '../../rollout-args.js';
import { checkServiceName } from '../../service-in-force.js';

export const help = `usage: mcp service edit SERVICE [--repo DIR] [--message TEXT] [--no-wait] [--timeout S] [--config FILE]

Opens services/SERVICE.toml of the services clone in $VISUAL (else $EDITOR, else vi). When
saved, the whole clone is validated: if it is invalid, the editor opens again with the
errors as a comment block at the top (removed again before anything is committed); save
the file unchanged, or quit the editor with an error (vim: :cq), to give up, which puts the
file back as it was. A valid file is committed, pushed and waited for as mcp deploy does.
A file saved as it was commits nothing.

${ROLLOUT_HELP}
Also: exit 1 when the edit was given up (the file is as it was before).`;

export async function run(args: string[], ctx: CliContext): Promise<number> {
  const parsed = parseCommandArgs(args, ROLLOUT_OPTIONS, help, { min: 1, max: 1 });
  const [service] = parsed.positionals;
  checkServiceName(service, help);
  const config = await loadCliConfigFor(ctx, parsed.values.config);
  const dir = resolve(ctx.cwd, (parsed.values.repo as string | undefined) ?? config.services?.dir ?? '.');
  const loaded = await loadRevisionFromDir(dir);
  const rel =
    (loaded.ok && loaded.revision.services.find((s) => s.name === service)?.file) ||
    `services/${service}.toml`;
  const file = join(dir, rel);
  const exists = await access(file).then(
    () => true,
    () => false,
  );
  if (!exists) throw new McpError('NOT_FOUND', `no file ${rel} in the clone ${dir}`);

  const check = async (): Promise<string[]> => {
    const result = await loadRevisionFromDir(dir);
    return result.ok ? [] : result.errors.map(formatSpecError);
  };
  const outcome = await editUntilValid(file, editorOf(ctx.env), { ...ctx.env }, check);
  if (outcome.kind === 'unchanged') {
    ctx.out(`${rel} unchanged; nothing committed`);
    return EXIT.ok;
  }
  if (outcome.kind === 'aborted') {
    ctx.err(`mcp: edit given up (${outcome.why}); ${rel} is as it was`);
    return EXIT.invalid;
  }
  return rollout(ctx, config, { ...rolloutOptions({ ...parsed, positionals: [service] }, 'edit') });
}
